import { expect } from 'chai';
import { parse } from 'yaml';
import { InputError } from '../../errors.ts';
import { kindClusterName, kindConfig, kubeProxyModeFor, labelValue, renderKindConfig, runIdNodeLabel } from './config.ts';

const nodeImage = 'kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5';

describe('kind config', () => {
  const base = { clusterName: 'nc-run1', runId: 'run1', nodeImage, kubeProxyMode: 'iptables' as const };

  it('has one control plane and one worker, no default CNI, Calico\'s pod subnet', () => {
    const config = parse(renderKindConfig(base)) as {
      name: string;
      networking: Record<string, unknown>;
      nodes: { role: string; image: string; labels: Record<string, string> }[];
    };
    expect(config.name).to.equal('nc-run1');
    expect(config.networking).to.deep.equal({ disableDefaultCNI: true, podSubnet: '192.168.0.0/16', kubeProxyMode: 'iptables' });
    expect(config.nodes.map((n) => n.role)).to.deep.equal(['control-plane', 'worker']);
    for (const node of config.nodes) {
      expect(node.image).to.equal(nodeImage);
      expect(node.labels).to.deep.equal({ [runIdNodeLabel]: 'run1' });
    }
  });

  it('takes the worker count and kube-proxy mode, and rejects absurd counts', () => {
    const config = kindConfig({ ...base, workers: 0, kubeProxyMode: 'ipvs' }) as { nodes: unknown[]; networking: { kubeProxyMode: string } };
    expect(config.nodes).to.have.length(1);
    expect(config.networking.kubeProxyMode).to.equal('ipvs');
    expect(() => kindConfig({ ...base, workers: 11 })).to.throw(InputError, /workers/);
  });

  it('asks kind for a dual-stack cluster with an IPv6 pod subnet beside Calico\'s IPv4 one', () => {
    const networking = (parse(renderKindConfig({ ...base, ipFamily: 'dual' })) as { networking: Record<string, unknown> }).networking;
    expect(networking).to.deep.equal({ disableDefaultCNI: true, ipFamily: 'dual', podSubnet: '192.168.0.0/16,fd00:10:244::/56', kubeProxyMode: 'iptables' });
    expect((kindConfig({ ...base, ipFamily: 'ipv4' }) as { networking: Record<string, unknown> }).networking).to.not.have.property('ipFamily');
  });

  it('adds a containerd mirror patch only when asked', () => {
    expect(kindConfig(base)).not.to.have.property('containerdConfigPatches');
    const patches = (kindConfig({ ...base, containerdMirror: 'http://mirror:5000' }) as { containerdConfigPatches: string[] }).containerdConfigPatches;
    expect(patches[0]).to.contain('registry.mirrors."*"').and.contain('"http://mirror:5000"');
  });

  it('derives the cluster name and kube-proxy mode', () => {
    expect(kindClusterName('20260101T1200-Ab_c')).to.equal('nc-20260101t1200-ab-c');
    expect(() => kindClusterName('x'.repeat(40))).to.throw(InputError, /longer than 40/);
    expect(kubeProxyModeFor('nftables')).to.equal('nftables');
    expect(kubeProxyModeFor('iptables-legacy')).to.equal('iptables');
  });

  it('makes label values Kubernetes accepts', () => {
    expect(labelValue('2026-01-01T12:00:00Z')).to.equal('2026-01-01T12-00-00Z');
    expect(labelValue('-x-')).to.equal('x');
    expect(labelValue('a'.repeat(80))).to.have.length(63);
  });
});
