import { expect } from 'chai';
import { parse } from 'yaml';
import { hostAdaptations } from './host.ts';
import { kindConfig } from './config.ts';

describe('kind nodes on this kind of host', () => {
  it('changes nothing on a cgroup v2 host with every capability', () => {
    expect(hostAdaptations({ cgroupV1: false, missingCapabilities: [] })).to.deep.equal({ kubeadmConfigPatches: [], containerdConfigPatches: [], changes: [] });
  });

  it('lets kubelet run on cgroup v1 and clamps OOM scores without CAP_SYS_RESOURCE, saying so', () => {
    const a = hostAdaptations({ cgroupV1: true, missingCapabilities: ['CAP_SYS_RESOURCE'] });
    expect(parse(a.kubeadmConfigPatches[0]!)).to.deep.equal({ kind: 'KubeletConfiguration', apiVersion: 'kubelet.config.k8s.io/v1beta1', failCgroupV1: false });
    expect(a.containerdConfigPatches.join('\n')).to.contain('[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true');
    expect(a.changes).to.have.length(2);
    expect(a.changes.join(' ')).to.match(/cgroup v1/).and.match(/CAP_SYS_RESOURCE/);
    const config = kindConfig({ clusterName: 'nc-x', runId: 'x', nodeImage: 'n:v1', kubeProxyMode: 'iptables', ...a });
    expect(config.kubeadmConfigPatches).to.deep.equal(a.kubeadmConfigPatches);
    expect(config.containerdConfigPatches).to.deep.equal(a.containerdConfigPatches);
  });
});
