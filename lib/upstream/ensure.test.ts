import { expect } from 'chai';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CancelledError, InputError, PrerequisiteError } from '../errors.ts';
import { cachedBinaryPath } from './cache.ts';
import { ensureBinary } from './ensure.ts';
import { loadVersions } from './versions.ts';

describe('ensureBinary', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-upstream-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const script = async (path: string, mode: number): Promise<string> => {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, '#!/bin/sh\necho prebuilt\n');
    await chmod(path, mode);
    return path;
  };

  it('returns an executable NETPOL_<COMPONENT> override as an absolute path, building nothing', async () => {
    const etcd = await script(join(dir, 'my-etcd'), 0o755);
    const env = { NETPOL_ETCD: etcd, NETPOL_CONFORMANCE_CACHE: join(dir, 'cache') };
    expect(await ensureBinary('etcd', undefined, { env })).to.equal(etcd);
  });

  it('rejects an override that is missing, not executable or a directory, in one line naming the variable', async () => {
    const plain = await script(join(dir, 'plain'), 0o644);
    const cases: [string, RegExp][] = [
      [join(dir, 'absent'), /^NETPOL_FELIX=.*absent: no such file; unset it/],
      [plain, /^NETPOL_FELIX=.*plain: not executable; unset it/],
      [dir, /^NETPOL_FELIX=.*: not a regular file; unset it/],
    ];
    for (const [path, message] of cases) {
      const error = await ensureBinary('felix', undefined, { env: { NETPOL_FELIX: path } }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, path).to.be.instanceOf(PrerequisiteError);
      expect((error as Error).message).to.match(message).and.not.contain('\n');
    }
  });

  it('returns a binary already in the cache without rebuilding it', async () => {
    const env = { NETPOL_CONFORMANCE_CACHE: join(dir, 'cache') };
    const version = loadVersions().kubernetes;
    const cached = await script(cachedBinaryPath('kube-apiserver', version, env), 0o755);
    expect(await ensureBinary('kube-apiserver', version, { env })).to.equal(cached);
    expect(await ensureBinary('kube-apiserver', undefined, { env })).to.equal(cached);
    expect(await readFile(cached, 'utf8')).to.equal('#!/bin/sh\necho prebuilt\n');
  });

  it('refuses versions that versions.json does not pin, before running go', async () => {
    const env = { NETPOL_CONFORMANCE_CACHE: join(dir, 'cache') };
    for (const [component, version] of [['kube-apiserver', 'v1.0.0'], ['etcd', 'v3.4.23'], ['felix', 'v9.9.9']] as const) {
      const error = await ensureBinary(component, version, { env }).then(
        () => undefined,
        (e: unknown) => e,
      );
      // A Calico version without pins may still be a user's own build from source: felix says how.
      expect(error, `${component} ${version}`).to.be.instanceOf(component === 'felix' ? PrerequisiteError : InputError);
      expect((error as Error).message).to.contain('versions.json');
    }
  });

  it('stops the go build when cancelled and leaves no partial binary, nor one a killed build left', async function () {
    this.timeout(60_000);
    const env = { NETPOL_CONFORMANCE_CACHE: join(dir, 'cache') };
    // An empty Go build cache: the build compiles for minutes, so the cancel surely lands mid-build.
    const goCache = process.env.GOCACHE;
    process.env.GOCACHE = join(dir, 'gocache');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1_000);
    const version = loadVersions().etcd;
    // A pid above Linux's pid_max: no such process, as after a SIGKILLed build.
    await script(`${cachedBinaryPath('etcd', version, env)}.tmp-999999999-0badcafe`, 0o755);
    const error = await ensureBinary('etcd', version, { env, signal: controller.signal, log: quiet })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => (goCache === undefined ? delete process.env.GOCACHE : (process.env.GOCACHE = goCache)));
    expect(error).to.be.instanceOf(CancelledError);
    expect(await readdir(dirname(cachedBinaryPath('etcd', version, env)))).to.deep.equal([]);
  });
});

const quiet = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
