import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { calicoPins, loadVersions, parseVersions } from './versions.ts';

const valid = {
  kubernetes: 'v1.36.1',
  etcd: 'v3.6.8',
  calico: {
    default: 'v3.32.1',
    versions: {
      'v3.32.1': {},
      'v3.31.0': { goModules: { calico: 'v0.0.0-20251021213802-b1f3c43f8437', api: 'v0.0.0-20251022175904-f2ab03771208' } },
    },
  },
};

describe('versions.json', () => {
  it('reads the pins and which Calico releases can build felix', () => {
    const v = parseVersions(valid);
    expect(v.kubernetes).to.equal('v1.36.1');
    expect(v.calicoReleases).to.deep.equal(['v3.32.1', 'v3.31.0']);
    expect([...v.calicoGoModules.keys()]).to.deep.equal(['v3.31.0']);
  });

  it('rejects a pin that is not a pseudo-version, naming the field', () => {
    const bad = structuredClone(valid);
    bad.calico.versions['v3.31.0'].goModules!.calico = 'v3.31.0';
    expect(() => parseVersions(bad)).to.throw(InputError, '$.calico.versions.v3.31.0.goModules.calico');
  });

  it('rejects a default release that is not listed', () => {
    expect(() => parseVersions({ ...valid, calico: { ...valid.calico, default: 'v3.30.0' } })).to.throw(InputError, /not in \$\.calico\.versions/);
  });

  it('explains how to pin an unpinned Calico release', () => {
    expect(() => calicoPins(parseVersions(valid), 'v3.32.1')).to.throw(InputError, /Calico v3\.32\.1 has no Go module pins .*pinned: v3\.31\.0.*gen:upstream/);
  });
});

describe('versions.json Calico sources', () => {
  const source = { repository: 'https://github.com/projectcalico/calico.git', tag: 'v3.32.1', commit: '0ca9d1b93644778cafdf1812f3dda02ac0c361e8', archiveSha256: 'a'.repeat(64) };
  it('reads a release\'s pinned source', () => {
    const v = parseVersions({ ...valid, calico: { ...valid.calico, versions: { ...valid.calico.versions, 'v3.32.1': { source } } } });
    expect(v.calicoSources.get('v3.32.1')).to.deep.equal(source);
  });
  it('rejects a commit that is not 40 hex digits, naming the field', () => {
    const bad = { ...valid, calico: { ...valid.calico, versions: { ...valid.calico.versions, 'v3.32.1': { source: { ...source, commit: 'v3.32.1' } } } } };
    expect(() => parseVersions(bad)).to.throw(InputError, '$.calico.versions.v3.32.1.source.commit must be 40 lower-case hex digits');
  });
  it('pins the repository\'s own default and the releases the gate compares', () => {
    const v = loadVersions();
    expect([...v.calicoSources.keys()]).to.include.members([v.calicoDefault, 'v3.31.7']);
  });
});
