import { expect } from 'chai';
import { planBuild } from './build.ts';

const versions = { kubernetes: 'v1.36.1', etcd: 'v3.6.8', calicoDefault: 'v3.32.1', pinnedCalico: ['v3.31.0', 'v3.30.1'] };

describe('build command plan', () => {
  it('builds the control plane and felix for the default Calico when given no flags', () => {
    expect(planBuild({}, versions).map((t) => `${t.component} ${t.version}`)).to.deep.equal([
      'kube-apiserver v1.36.1',
      'etcd v3.6.8',
      'felix v3.32.1',
    ]);
  });

  it('builds felix for each --calico release, and with --all for every pinned release plus agnhost', () => {
    expect(planBuild({ calico: ['v3.31.0, v3.30.1'] }, versions).filter((t) => t.component === 'felix').map((t) => t.version)).to.deep.equal(['v3.31.0', 'v3.30.1']);
    const all = planBuild({ all: true }, versions).map((t) => `${t.component} ${t.version}`);
    expect(all).to.include.members(['felix v3.31.0', 'felix v3.30.1', 'agnhost v1.36.1']);
    expect(all).not.to.include('felix v3.32.1');
  });
});
