import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { calicoLdflags, readTarCommitId, releaseOfCommit, versionOfSource } from './calico-source.ts';
import { parseVersions } from './versions.ts';

const commit = '0ca9d1b93644778cafdf1812f3dda02ac0c361e8';
const sha = 'a679ed5a857ff625325fbbbb5850594e2fd694d2bf268bcaa6a052ea2389a0a0';
const versions = parseVersions({
  kubernetes: 'v1.36.1',
  etcd: 'v3.6.8',
  calico: {
    default: 'v3.32.1',
    versions: {
      'v3.32.1': { source: { repository: 'https://example.invalid/calico.git', tag: 'v3.32.1', commit, archiveSha256: sha } },
      'v3.31.0': {},
    },
  },
});

describe('Calico source identity', () => {
  it('names a pinned release\'s archive after the release, and a checkout after git describe', () => {
    expect(releaseOfCommit(versions, commit)).to.equal('v3.32.1');
    expect(versionOfSource(versions, { kind: 'archive', path: 'a.tgz', commit, archiveSha256: sha }, undefined)).to.equal('v3.32.1');
    expect(versionOfSource(versions, { kind: 'checkout', path: 'c', commit: 'f'.repeat(40), describe: 'v3.32.1-4-gffffffffffff' }, undefined)).to.equal('v3.32.1-4-gffffffffffff');
    expect(versionOfSource(versions, { kind: 'checkout', path: 'c', commit, dirty: true }, 'v3.32.1-patched')).to.equal('v3.32.1-patched');
  });

  it('refuses an archive whose sha256 differs from the pin, in one line', () => {
    const run = () => versionOfSource(versions, { kind: 'archive', path: 'calico.tgz', commit, archiveSha256: '0'.repeat(64) }, undefined);
    expect(run).to.throw(InputError, /^calico\.tgz: sha256 0+ differs from the pinned a679ed5a.* for Calico v3\.32\.1/);
    expect(() => run()).to.throw(/^[^\n]*$/);
  });

  it('refuses a release name for a tree at another commit, or a dirty one', () => {
    expect(() => versionOfSource(versions, { kind: 'checkout', path: 'c', commit: 'e'.repeat(40) }, 'v3.32.1')).to.throw(InputError, /is commit eeeeeeeeeeee, but versions.json pins Calico v3\.32\.1 at 0ca9d1b93644/);
    expect(() => versionOfSource(versions, { kind: 'checkout', path: 'c', commit, dirty: true, describe: 'v3.32.1-dirty' }, 'v3.32.1')).to.throw(InputError, /uncommitted changes/);
    expect(() => versionOfSource(versions, { kind: 'archive', path: 'x.tgz', commit: 'e'.repeat(40), archiveSha256: sha }, undefined)).to.throw(InputError, /not a Calico release pinned in versions\.json; name the build with --calico-version/);
    expect(() => versionOfSource(versions, { kind: 'archive', path: 'x.tgz', commit: 'e'.repeat(40) }, 'v3.31.0')).to.throw(InputError, /v3\.31\.0 is a release in versions\.json without a pinned source/);
    expect(() => versionOfSource(versions, { kind: 'archive', path: 'x.tgz', commit: 'e'.repeat(40) }, 'my build')).to.throw(InputError, /must look like v3\.32\.1/);
  });

  it('stamps the version, commit and commit time as Calico\'s Makefiles do', () => {
    expect(calicoLdflags({ version: 'v3.32.1', commit, commitDate: '2026-06-24T18:32:35.000Z' })).to.deep.equal([
      '-s',
      '-w',
      '-X github.com/projectcalico/calico/pkg/buildinfo.Version=v3.32.1',
      `-X github.com/projectcalico/calico/pkg/buildinfo.GitRevision=${commit}`,
      '-X github.com/projectcalico/calico/pkg/buildinfo.BuildDate=2026-06-24T18:32:35.000Z',
    ]);
  });
});

describe('readTarCommitId (what git get-tar-commit-id reads)', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'netpol-tar-'));
    mkdirSync(join(dir, 'repo'));
    const git = (...args: string[]) => execFileSync('git', ['-C', join(dir, 'repo'), ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    writeFileSync(join(dir, 'repo', 'go.mod'), 'module github.com/projectcalico/calico\n');
    git('add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'x', '--date', '2026-01-02T03:04:05Z');
    execFileSync('sh', ['-c', `git -C ${join(dir, 'repo')} archive --format=tar.gz --prefix=calico-x/ HEAD > ${join(dir, 'a.tar.gz')}`]);
    execFileSync('sh', ['-c', `tar -czf ${join(dir, 'plain.tar.gz')} -C ${join(dir, 'repo')} go.mod`]);
    writeFileSync(join(dir, 'not.gz'), 'hello');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the commit git archive recorded, agreeing with git get-tar-commit-id', () => {
    const expected = execFileSync('sh', ['-c', `zcat ${join(dir, 'a.tar.gz')} | git get-tar-commit-id`], { encoding: 'utf8' }).trim();
    return readTarCommitId(join(dir, 'a.tar.gz')).then((got) => expect(got.commit).to.equal(expected).and.match(/^[0-9a-f]{40}$/));
  });

  it('finds no commit in a plain tarball, and fails on something that is not one', async () => {
    expect((await readTarCommitId(join(dir, 'plain.tar.gz'))).commit).to.equal(undefined);
    let error: unknown;
    await readTarCommitId(join(dir, 'not.gz')).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
  });
});
