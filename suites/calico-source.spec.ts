// Calico built inside a source tree (`build --calico-source`, and the pinned tag cloned with git),
// with real go builds. The release archives come from NETPOL_CALICO_ARCHIVES (a directory holding
// calico-<version>.tar.gz, as the release sources are shipped); without it those tests are pending.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../lib/errors.ts';
import { runCli } from '../lib/testing/cli.ts';
import { ensureCalicoBinary } from '../lib/upstream/ensure.ts';
import { calicoBuildDir, readCalicoBuild } from '../lib/upstream/calico-source.ts';
import { loadVersions } from '../lib/upstream/versions.ts';

const archives = process.env.NETPOL_CALICO_ARCHIVES;
const versions = loadVersions();
const defaultArchive = archives ? join(archives, `calico-${versions.calicoDefault}.tar.gz`) : undefined;
const withArchive = defaultArchive && existsSync(defaultArchive) ? it : it.skip;
const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** A tiny tree laid out like Calico's; `main` is felix's main.go, the other commands do nothing. */
function fakeCalicoTree(dir: string, main: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module github.com/projectcalico/calico\n\ngo 1.22\n');
  for (const pkg of ['felix/cmd/calico-felix', 'node/cmd/calico-node', 'cni-plugin/cmd/calico', 'cni-plugin/cmd/install', 'kube-controllers/cmd/kube-controllers', 'kube-controllers/cmd/check-status', 'kube-controllers/cmd/wrapper']) {
    mkdirSync(join(dir, pkg), { recursive: true });
    writeFileSync(join(dir, pkg, 'main.go'), pkg.startsWith('felix/') ? main : 'package main\n\nfunc main() {}\n');
  }
  const git = (...args: string[]) => execFileSync('git', ['-C', dir, '-c', 'core.autocrlf=false', ...args], { encoding: 'utf8' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'tree');
  return dir;
}

describe('Calico built from a source tree', function () {
  this.timeout(20 * 60_000);
  let dir = '';
  let cache = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'netpol-calico-src-'));
    cache = join(dir, 'cache');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const env = () => ({ NETPOL_CONFORMANCE_CACHE: cache, NETPOL_KUBE_APISERVER: '/bin/true', NETPOL_ETCD: '/bin/true' });

  it('refuses a tree that does not compile, caching nothing', async () => {
    const tree = fakeCalicoTree(join(dir, 'broken'), 'package main\n\nfunc main() { this is not go }\n');
    const run = await runCli(['build', '--calico-source', tree, '--calico-version', 'v3.99.0-broken'], 120_000, env());
    expect(run.status, run.stderr).to.equal(4);
    // One line (the CLI's rule), with the compiler's message in it.
    expect(run.stderr.trim().split('\n').at(-1)).to.match(/go build exited with 1 in .*felix\/cmd\/calico-felix\/main\.go:3:\d+: syntax error/);
    expect(existsSync(calicoBuildDir('v3.99.0-broken', env()))).to.equal(false);
    expect(readdirSync(join(cache, 'calico')).filter((n) => n.includes('.tmp-'))).to.deep.equal([]);
  });

  it('refuses a tree whose felix does not report the version it was built as, caching nothing', async () => {
    const tree = fakeCalicoTree(join(dir, 'unstamped'), 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("Version: v0.0.1") }\n');
    const run = await runCli(['build', '--calico-source', tree, '--calico-version', 'v3.99.0-unstamped'], 120_000, env());
    expect(run.status, run.stderr).to.equal(4);
    expect(run.stderr).to.match(/calico-felix built from the tree reports "Version: v0\.0\.1", not v3\.99\.0-unstamped/);
    expect(existsSync(calicoBuildDir('v3.99.0-unstamped', env()))).to.equal(false);
  });

  it('refuses a release name for a tree that is not that release, and a tree that is not Calico, in one line', async () => {
    const tree = fakeCalicoTree(join(dir, 'other'), 'package main\n\nfunc main() {}\n');
    const run = await runCli(['build', '--calico-source', tree, '--calico-version', versions.calicoDefault], 60_000, env());
    expect(run.status).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(new RegExp(`but versions.json pins Calico ${versions.calicoDefault.replace(/\./g, '\\.')} at`));
    writeFileSync(join(dir, 'go.mod'), 'module example.com/other\n');
    const notCalico = await runCli(['build', '--calico-source', dir, '--calico-version', 'v1.0.0-x'], 60_000, env());
    expect(notCalico.status).to.equal(2);
    expect(notCalico.stderr).to.match(/not a Calico source tree/);
  });

  withArchive('refuses a release archive whose sha256 differs from the pin, before building anything', async () => {
    // The same tree and commit, compressed differently: a different file.
    const recompressed = join(dir, 'calico.tar.gz');
    execFileSync('sh', ['-c', `zcat '${defaultArchive!}' | gzip -1 > '${recompressed}'`]);
    const run = await runCli(['build', '--calico-source', recompressed], 60_000, env());
    expect(run.status).to.equal(2);
    expect(run.stderr.trim().split('\n')).to.have.length(1);
    expect(run.stderr).to.match(/sha256 [0-9a-f]{64} differs from the pinned [0-9a-f]{64} for Calico v3\.32\.1; the archive is not the release's/);
    expect(existsSync(cache)).to.equal(false);
  });

  withArchive('builds the release archive into the cache under its version, and a second build is a no-op', async () => {
    // The real cache: .ci/setup built it already, so this checks the entry and the no-op.
    const run = await runCli(['build', '--calico-source', defaultArchive!], 30 * 60_000);
    expect(run.status, run.stderr).to.equal(0);
    const record = await readCalicoBuild(versions.calicoDefault);
    expect(record).to.deep.include({ version: versions.calicoDefault, commit: versions.calicoSources.get(versions.calicoDefault)!.commit, kind: 'archive' });
    expect(record!.archiveSha256).to.equal(versions.calicoSources.get(versions.calicoDefault)!.archiveSha256);
    expect(record!.binaries).to.include.members(['calico-felix', 'calico-node', 'calico', 'install', 'kube-controllers']);
    const felix = execFileSync(join(calicoBuildDir(versions.calicoDefault), 'calico-felix'), ['--version'], { encoding: 'utf8' });
    expect(felix).to.contain(`Version:            ${versions.calicoDefault}`).and.contain(record!.commit);
    const again = await runCli(['build', '--calico-source', defaultArchive!], 10 * 60_000);
    expect(again.status).to.equal(0);
    expect(again.stderr).not.to.match(/building Calico/);
  });

  withArchive('clones the pinned tag with git and builds it only when the tag is the pinned commit', async () => {
    // A repository made from the release archive stands in for Calico's: same tree, new commit.
    const repo = join(dir, 'repo');
    mkdirSync(repo);
    execFileSync('tar', ['-xzf', defaultArchive!, '-C', repo, '--strip-components=1']);
    const git = (...args: string[]) => execFileSync('git', ['-C', repo, '-c', 'core.autocrlf=false', ...args], { encoding: 'utf8' }).trim();
    git('init', '-q');
    git('add', '-A');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'release');
    git('tag', versions.calicoDefault);
    const commit = git('rev-parse', 'HEAD');
    const pin = versions.calicoSources.get(versions.calicoDefault)!;
    const repository = `file://${repo}`;

    // The pinned commit is not this repository's: refused, nothing cached.
    const refused = await ensureCalicoBinary(versions.calicoDefault, 'calico-felix', [], { env: env(), calicoRepository: repository, log: quiet }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).to.be.instanceOf(InfrastructureError);
    expect((refused as Error).message).to.match(new RegExp(`tag ${versions.calicoDefault} is commit ${commit}, but versions.json pins ${pin.commit}`));
    expect(await readCalicoBuild(versions.calicoDefault, env())).to.equal(undefined);

    // Pinned at this repository's commit: cloned, checked, built.
    const pinned = structuredClone(versions);
    pinned.calicoSources.set(versions.calicoDefault, { ...pin, commit });
    const felix = await ensureCalicoBinary(versions.calicoDefault, 'calico-felix', [], { env: env(), versions: pinned, calicoRepository: repository, log: quiet });
    expect(execFileSync(felix, ['--version'], { encoding: 'utf8' })).to.contain(commit);
    expect(await readCalicoBuild(versions.calicoDefault, env())).to.deep.include({ kind: 'git', commit, from: repository });
  });
});
