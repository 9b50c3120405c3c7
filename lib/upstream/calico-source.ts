// Calico built inside a Calico source tree, with the tree's own go.mod: a release archive
// (`git archive` of the tag), a user's checkout (patched or pre-release Calico), or the pinned tag
// cloned from its repository. The result is cached under the version the tree reports:
//   <cache>/calico/<version>/{calico-felix, calico-node, calico, install, kube-controllers,
//                             check-status, manifests/*.yaml, source.json}
// source.json is written last, so an entry without it (or with another commit) is never used.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import { CancelledError, InfrastructureError, InputError, PrerequisiteError, messageOf } from '../errors.ts';
import { createLogger, type Logger } from '../log.ts';
import { cacheRoot } from './cache.ts';
import { go } from './go.ts';
import { isExecutableFile } from './overrides.ts';
import type { CalicoSourcePin, UpstreamVersions } from './versions.ts';

/** The binaries a Calico tree builds; calico-felix for the netns provider, the rest for the images. */
export type CalicoBinary = 'calico-felix' | 'calico-node' | 'calico' | 'install' | 'kube-controllers' | 'check-status' | 'wrapper';

export const calicoPackages: Record<CalicoBinary, string> = {
  'calico-felix': './felix/cmd/calico-felix',
  // calico-node -felix runs the same felix; -startup, -allocate-tunnel-addrs, ... the rest of the node.
  'calico-node': './node/cmd/calico-node',
  // One binary that is the CNI plugin or the IPAM plugin by argv[0] (calico, calico-ipam).
  calico: './cni-plugin/cmd/calico',
  install: './cni-plugin/cmd/install',
  'kube-controllers': './kube-controllers/cmd/kube-controllers',
  'check-status': './kube-controllers/cmd/check-status',
  // The kube-controllers image's entrypoint: restarts kube-controllers after a config change.
  wrapper: './kube-controllers/cmd/wrapper',
};

export const netnsBinaries: readonly CalicoBinary[] = ['calico-felix'];
export const imageBinaries: readonly CalicoBinary[] = ['calico-node', 'calico', 'install', 'kube-controllers', 'check-status', 'wrapper'];

/** The manifests a build keeps beside its binaries (from the tree's manifests/). */
export const keptManifests = ['calico.yaml', 'calico-vxlan.yaml'] as const;

/** The calico/node image's own files (runit services, start_runit, rc.local), kept beside the
 * binaries as `node-filesystem/` so the image can be made without the tree. */
export const nodeFilesystemDir = 'node-filesystem';

const calicoModulePath = 'github.com/projectcalico/calico';
const versionLabel = /^v[0-9A-Za-z.+-]+$/;

export interface CalicoSource {
  /** What the path is. `git` is a clone of the pinned tag made by the harness. */
  kind: 'archive' | 'checkout' | 'git';
  path: string;
  commit: string;
  /** The version the build is cached and reported under. */
  version: string;
  /** Commit time, ISO 8601 (stamped as BuildDate so builds are reproducible). */
  commitDate: string;
  archiveSha256?: string;
  /** A checkout with uncommitted changes. */
  dirty?: boolean;
}

export interface CalicoBuildRecord extends Omit<CalicoSource, 'path'> {
  /** Where the tree was read from (an archive path, a checkout, a repository URL). */
  from: string;
  binaries: CalicoBinary[];
  goVersion: string;
  builtAt: string;
}

export interface CalicoSourceOptions {
  versions: UpstreamVersions;
  /** `--calico-version`: the version to cache and report the build under. */
  label?: string;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

export function calicoBuildDir(version: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!versionLabel.test(version)) throw new InputError(`Calico version label ${JSON.stringify(version)} must look like v3.32.1 or v3.32.1-patched`);
  return join(cacheRoot(env), 'calico', version);
}

/** The cached build of a version, when its source.json says it is complete. */
export async function readCalicoBuild(version: string, env: NodeJS.ProcessEnv = process.env): Promise<CalicoBuildRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(calicoBuildDir(version, env), 'source.json'), 'utf8')) as CalicoBuildRecord;
  } catch {
    return undefined;
  }
}

/** Versions built from source and present in the cache (pinned releases and users' own labels). */
export async function cachedCalicoBuilds(env: NodeJS.ProcessEnv = process.env): Promise<CalicoBuildRecord[]> {
  const root = join(cacheRoot(env), 'calico');
  const names = await readdir(root).catch(() => [] as string[]);
  const records = await Promise.all(names.filter((n) => versionLabel.test(n)).map((n) => readCalicoBuild(n, env)));
  return records.filter((r): r is CalicoBuildRecord => r !== undefined);
}

// ---------------------------------------------------------------------------------------------
// Identifying a source

/** Pure: the pinned release a commit is, if any. */
export function releaseOfCommit(versions: UpstreamVersions, commit: string): string | undefined {
  for (const [release, pin] of versions.calicoSources) if (pin.commit === commit) return release;
  return undefined;
}

/**
 * Pure: the version a tree is cached under, or an InputError. A pinned release's name is only
 * given to a tree at exactly the pinned commit (and, for an archive, the pinned sha256); any
 * other tree needs its own label.
 */
export function versionOfSource(
  versions: UpstreamVersions,
  found: { kind: CalicoSource['kind']; path: string; commit: string; archiveSha256?: string; dirty?: boolean; describe?: string },
  label: string | undefined,
): string {
  const pinnedAs = releaseOfCommit(versions, found.commit);
  const version = label ?? (found.dirty ? undefined : pinnedAs) ?? found.describe;
  if (version === undefined) {
    throw new InputError(
      `${found.path}: commit ${found.commit.slice(0, 12)} is not a Calico release pinned in versions.json; name the build with --calico-version <label> (e.g. v3.32.1-patched)`,
    );
  }
  if (!versionLabel.test(version)) throw new InputError(`Calico version label ${JSON.stringify(version)} must look like v3.32.1 or v3.32.1-patched`);
  const pin = versions.calicoSources.get(version);
  if (pin) {
    if (pin.commit !== found.commit) {
      throw new InputError(
        `${found.path} is commit ${found.commit.slice(0, 12)}, but versions.json pins Calico ${version} at ${pin.commit.slice(0, 12)}; ` +
          `use the release's tree, or another --calico-version label for a patched tree`,
      );
    }
    if (found.dirty) throw new InputError(`${found.path} has uncommitted changes; it is not Calico ${version}: pass another --calico-version label`);
    if (found.kind === 'archive' && found.archiveSha256 !== pin.archiveSha256) {
      throw new InputError(
        `${found.path}: sha256 ${found.archiveSha256 ?? '?'} differs from the pinned ${pin.archiveSha256} for Calico ${version}; the archive is not the release's (re-download it)`,
      );
    }
  } else if (versions.calicoReleases.includes(version)) {
    throw new InputError(`Calico ${version} is a release in versions.json without a pinned source; pass another --calico-version label`);
  }
  return version;
}

/** Identify a source tree (a directory) or archive (a .tar.gz file) given by a user. */
export async function identifyCalicoSource(path: string, options: CalicoSourceOptions): Promise<CalicoSource> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info) throw new InputError(`--calico-source ${path}: no such file or directory; give a Calico checkout or a git archive (.tar.gz) of one`);
  if (info.isDirectory()) return identifyCheckout(absolute, options);
  if (info.isFile()) return identifyArchive(absolute, options);
  throw new InputError(`--calico-source ${path}: not a directory or a regular file`);
}

async function identifyArchive(path: string, options: CalicoSourceOptions): Promise<CalicoSource> {
  const { commit, mtime } = await readTarCommitId(path).catch((e: unknown) => {
    throw new InputError(`${path}: not a gzip'd git archive (${messageOf(e)}); make one with git archive --format=tar.gz <tag>`);
  });
  if (!commit) throw new InputError(`${path}: the archive names no commit (git get-tar-commit-id finds none); make it with git archive from a commit or tag`);
  const archiveSha256 = await sha256File(path);
  const found = { kind: 'archive' as const, path, commit, archiveSha256 };
  const version = versionOfSource(options.versions, found, options.label);
  return { ...found, version, commitDate: mtime };
}

async function identifyCheckout(path: string, options: CalicoSourceOptions): Promise<CalicoSource> {
  await requireCalicoTree(path);
  const git = async (args: string[]): Promise<string> => (await runTool('git', ['-C', path, ...args], options.signal)).trim();
  const commit = await git(['rev-parse', 'HEAD']).catch(() => {
    throw new InputError(`${path}: not a git checkout (git rev-parse HEAD failed); use a checkout or a git archive of one`);
  });
  const dirty = (await git(['status', '--porcelain', '--untracked-files=no'])) !== '';
  const describe = await git(['describe', '--tags', '--always', '--dirty']).catch(() => undefined);
  const commitDate = await git(['log', '-1', '--format=%cI', 'HEAD']);
  const found = { kind: 'checkout' as const, path, commit, dirty, ...(describe ? { describe } : {}) };
  const version = versionOfSource(options.versions, found, options.label);
  return { kind: 'checkout', path, commit, version, commitDate: new Date(commitDate).toISOString(), dirty };
}

async function requireCalicoTree(dir: string): Promise<void> {
  const goMod = await readFile(join(dir, 'go.mod'), 'utf8').catch(() => '');
  if (!new RegExp(`^module ${calicoModulePath}\\s*$`, 'm').test(goMod)) {
    throw new InputError(`${dir}: not a Calico source tree (its go.mod is not module ${calicoModulePath})`);
  }
}

/**
 * The commit `git archive` recorded in the pax global header ("comment=<sha>", as
 * `git get-tar-commit-id` reads it: git's archive-tar.c), and the archive's mtime, which git sets
 * to the commit time.
 */
export async function readTarCommitId(path: string): Promise<{ commit: string | undefined; mtime: string }> {
  const head = await readGunzippedHead(path, 3 * 512);
  if (head.length < 1024) throw new Error('shorter than a tar header');
  const typeflag = String.fromCharCode(head[156] ?? 0);
  const octal = (at: number, len: number): number => parseInt(head.subarray(at, at + len).toString('latin1').replace(/\0.*$/s, '').trim() || '0', 8);
  if (head.subarray(257, 262).toString('latin1') !== 'ustar') throw new Error('no ustar header');
  const mtime = new Date(octal(136, 12) * 1000).toISOString();
  if (typeflag !== 'g') return { commit: undefined, mtime };
  const size = octal(124, 12);
  const records = head.subarray(512, 512 + size).toString('utf8');
  const commit = /(?:^|\n)\d+ comment=([0-9a-f]{40})\n/.exec(records)?.[1];
  return { commit, mtime };
}

function readGunzippedHead(path: string, bytes: number): Promise<Buffer> {
  return new Promise((resolvePromise, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const input = createReadStream(path);
    const gunzip = createGunzip();
    const done = (): void => {
      input.destroy();
      gunzip.destroy();
      resolvePromise(Buffer.concat(chunks).subarray(0, bytes));
    };
    gunzip.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (length >= bytes) done();
    });
    gunzip.on('end', done);
    gunzip.on('error', reject);
    input.on('error', reject);
    input.pipe(gunzip);
  });
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Getting a tree to build in

/** A directory holding the tree: the checkout itself, or the archive extracted into the cache. */
export async function sourceTree(source: CalicoSource, options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<string> {
  if (source.kind !== 'archive') return source.path;
  const dir = join(cacheRoot(options.env), 'src', `calico-${source.commit}`);
  if (await isCalicoTree(dir)) return dir;
  await mkdir(dirname(dir), { recursive: true });
  const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(temp);
    await runTool('tar', ['-xzf', source.path, '-C', temp, '--strip-components=1', '--no-same-owner'], options.signal);
    await requireCalicoTree(temp);
    await rm(dir, { recursive: true, force: true });
    await rename(temp, dir);
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return dir;
}

async function isCalicoTree(dir: string): Promise<boolean> {
  return requireCalicoTree(dir).then(
    () => true,
    () => false,
  );
}

/**
 * Clone the pinned tag from its repository (a machine that reaches it) and check that the tag
 * points at the pinned commit. `repository` overrides the pinned URL (a mirror).
 */
export async function cloneCalicoRelease(
  version: string,
  pin: CalicoSourcePin,
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; repository?: string; log?: Logger },
): Promise<CalicoSource> {
  const repository = options.repository ?? pin.repository;
  const dir = join(cacheRoot(options.env), 'src', `calico-${pin.commit}`);
  if (!(await isCalicoTree(dir))) {
    await mkdir(dirname(dir), { recursive: true });
    const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      options.log?.info(`cloning Calico ${version} (tag ${pin.tag}) from ${repository}`);
      await runTool('git', ['clone', '--quiet', '--depth', '1', '--branch', pin.tag, '--', repository, temp], options.signal).catch((e: unknown) => {
        if (e instanceof CancelledError) throw e;
        throw new PrerequisiteError(
          `cannot clone Calico ${version} from ${repository} (${messageOf(e).split('\n')[0]}); on a machine without access, build from a local tree: netpol-conformance build --calico-source <calico-${version}.tar.gz or checkout>`,
        );
      });
      const head = (await runTool('git', ['-C', temp, 'rev-parse', 'HEAD'], options.signal)).trim();
      if (head !== pin.commit) {
        throw new InfrastructureError(`${repository} tag ${pin.tag} is commit ${head}, but versions.json pins ${pin.commit}: the tag moved or the repository is not Calico's; refusing to build it`);
      }
      await rm(dir, { recursive: true, force: true });
      await rename(temp, dir);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  const date = (await runTool('git', ['-C', dir, 'log', '-1', '--format=%cI', 'HEAD'], options.signal)).trim();
  return { kind: 'git', path: dir, commit: pin.commit, version, commitDate: new Date(date).toISOString() };
}

// ---------------------------------------------------------------------------------------------
// Building

export interface BuildCalicoOptions {
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  progressEveryMs?: number;
  /** Where the tree came from, for source.json (default: the source's path). */
  from?: string;
}

/**
 * Build `binaries` inside the tree, check each reports `source.version`, and move them into the
 * version's cache entry. Returns the entry's directory. Nothing partial is ever left in the entry:
 * the build goes to a temp directory beside it, and source.json is rewritten last.
 */
export async function buildCalico(source: CalicoSource, tree: string, binaries: readonly CalicoBinary[], options: BuildCalicoOptions = {}): Promise<string> {
  const log = options.log ?? createLogger('upstream');
  const env = options.env ?? process.env;
  const dir = calicoBuildDir(source.version, env);
  const existing = await readCalicoBuild(source.version, env);
  const reuse = existing?.commit === source.commit && existing.dirty !== true && source.kind !== 'checkout';
  const have = reuse ? existing.binaries : [];
  const wanted = [...new Set(binaries)].filter((b) => !have.includes(b));
  if (wanted.length === 0) {
    const present = await Promise.all(binaries.map((b) => isExecutableFile(join(dir, b))));
    if (present.every(Boolean)) return dir;
    wanted.push(...binaries);
  }
  await mkdir(dirname(dir), { recursive: true });
  const temp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  const what = `Calico ${source.version} (${wanted.join(', ')})`;
  log.info(`building ${what} in ${tree} (commit ${source.commit.slice(0, 12)}; downloads modules and compiles, several minutes cold)`);
  const timer = setInterval(() => log.info(`building ${what}: ${elapsed()}`), options.progressEveryMs ?? 10_000);
  try {
    await mkdir(temp, { recursive: true });
    await go(['build', '-trimpath', '-ldflags', calicoLdflags(source).join(' '), '-o', `${temp}/`, ...wanted.map((b) => calicoPackages[b])], {
      cwd: tree,
      env: { CGO_ENABLED: '0' },
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line) => log.debug(`go: ${line}`),
    });
    for (const binary of wanted) await checkReportedVersion(join(temp, binary), binary, source.version, options.signal);
    const manifests = join(temp, 'manifests');
    await mkdir(manifests);
    for (const name of keptManifests) await copyFile(join(tree, 'manifests', name), join(manifests, name)).catch(() => undefined);
    await cp(join(tree, 'node', 'filesystem'), join(temp, nodeFilesystemDir), { recursive: true }).catch(() => undefined);
    // A different commit under the same version replaces the whole entry.
    if (!reuse) await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await rm(join(dir, 'source.json'), { force: true });
    for (const binary of wanted) await rename(join(temp, binary), join(dir, binary));
    for (const kept of ['manifests', nodeFilesystemDir]) {
      await rm(join(dir, kept), { recursive: true, force: true });
      await rename(join(temp, kept), join(dir, kept)).catch(() => undefined);
    }
    const { path, ...identity } = source;
    const record: CalicoBuildRecord = {
      ...identity,
      from: options.from ?? path,
      binaries: [...have, ...wanted],
      goVersion: (await go(['env', 'GOVERSION'], { cwd: tree })).trim(),
      builtAt: new Date().toISOString(),
    };
    await writeFile(join(temp, 'source.json'), JSON.stringify(record, null, 2) + '\n');
    await rename(join(temp, 'source.json'), join(dir, 'source.json'));
  } finally {
    clearInterval(timer);
    await rm(temp, { recursive: true, force: true });
  }
  log.info(`built ${what} in ${elapsed()}: ${dir}`);
  return dir;
}

/** As Calico's lib.Makefile stamps them (pkg/buildinfo), with the commit's time as the date. */
export function calicoLdflags(source: Pick<CalicoSource, 'version' | 'commit' | 'commitDate'>): string[] {
  const pkg = 'github.com/projectcalico/calico/pkg/buildinfo';
  return ['-s', '-w', `-X ${pkg}.Version=${source.version}`, `-X ${pkg}.GitRevision=${source.commit}`, `-X ${pkg}.BuildDate=${source.commitDate}`];
}

const versionArgs: Partial<Record<CalicoBinary, string[]>> = {
  'calico-felix': ['--version'],
  'calico-node': ['-v'],
  calico: ['-v'],
};

/** A tree whose binaries do not carry the stamped version (e.g. buildinfo moved) is refused. */
async function checkReportedVersion(binary: string, name: CalicoBinary, version: string, signal?: AbortSignal): Promise<void> {
  const args = versionArgs[name];
  if (!args) return;
  const out = await runTool(binary, args, signal, { reject: false });
  if (!out.includes(version)) {
    throw new InfrastructureError(
      `${name} built from the tree reports ${JSON.stringify(out.trim().split('\n')[0] ?? '')}, not ${version}: the tree does not stamp pkg/buildinfo.Version; nothing was cached`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

async function runTool(file: string, args: string[], signal?: AbortSignal, opts: { reject?: boolean } = {}): Promise<string> {
  try {
    const result = await execa(file, args, { ...(signal ? { cancelSignal: signal } : {}), stdin: 'ignore', reject: opts.reject ?? true, all: true, timeout: 30 * 60_000 });
    return result.all ?? result.stdout;
  } catch (e) {
    const err = e as { code?: string; isCanceled?: boolean; stderr?: unknown; shortMessage?: string };
    if (err.code === 'ENOENT') throw new PrerequisiteError(`${basename(file)} is not installed (needed to read Calico sources); install it (apt-get install ${basename(file)})`, { cause: e });
    if (err.isCanceled || signal?.aborted) throw new CancelledError(`${basename(file)}: cancelled`, { cause: e });
    const stderr = typeof err.stderr === 'string' ? err.stderr.trim().split('\n').slice(-5).join('\n') : '';
    throw new InfrastructureError(`${file} ${args.join(' ')}: ${err.shortMessage ?? messageOf(e)}${stderr ? `\n${stderr}` : ''}`, { cause: e });
  }
}
