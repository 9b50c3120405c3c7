import { expect } from 'chai';
import { buildRecipe, defaultVersion } from './recipes.ts';
import { parseVersions } from './versions.ts';

const versions = parseVersions({
  kubernetes: 'v1.36.1',
  etcd: 'v3.6.8',
  calico: {
    default: 'v3.31.0',
    versions: { 'v3.31.0': { goModules: { calico: 'v0.0.0-20251021213802-b1f3c43f8437', api: 'v0.0.0-20251022175904-f2ab03771208' } } },
  },
});

describe('upstream build recipes', () => {
  it('stamps kube-apiserver with the Kubernetes version, major and minor', () => {
    const r = buildRecipe('kube-apiserver', 'v1.36.1', versions);
    expect(r.goPackage).to.equal('k8s.io/kubernetes/cmd/kube-apiserver');
    expect(r.moduleDir).to.match(/clusters\/netns\/upstream\/kubernetes$/);
    expect(r.ldflags).to.include.members([
      '-X k8s.io/component-base/version.gitVersion=v1.36.1',
      '-X k8s.io/component-base/version.gitMajor=1',
      '-X k8s.io/component-base/version.gitMinor=36',
    ]);
  });

  it("stamps felix's buildinfo (both the v3.31+ and the older package) with the release, the pinned commit and its date", () => {
    const r = buildRecipe('felix', 'v3.31.0', versions);
    expect(r.moduleDir).to.match(/upstream\/calico-v3\.31\.0$/);
    expect(r.ldflags).to.include.members([
      '-X github.com/projectcalico/calico/pkg/buildinfo.Version=v3.31.0',
      '-X github.com/projectcalico/calico/pkg/buildinfo.GitRevision=b1f3c43f8437',
      '-X github.com/projectcalico/calico/pkg/buildinfo.BuildDate=2025-10-21T21:38:02Z',
      '-X github.com/projectcalico/calico/felix/buildinfo.GitVersion=v3.31.0',
    ]);
  });

  it('builds agnhost from the Kubernetes module at the Kubernetes version', () => {
    expect(defaultVersion('agnhost', versions)).to.equal('v1.36.1');
    expect(buildRecipe('agnhost', 'v1.36.1', versions).goPackage).to.equal('k8s.io/kubernetes/test/images/agnhost');
    expect(() => buildRecipe('agnhost', 'v2.52', versions)).to.throw(/not pinned/);
  });
});
