// ensureBinary: the path of an upstream binary, built from its pinned Go module on first use.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createLogger, type Logger } from '../log.ts';
import { cachedBinaryPath, type Component } from './cache.ts';
import { go } from './go.ts';
import { isExecutableFile, overrideBinary } from './overrides.ts';
import {
  buildCalico,
  calicoBuildDir,
  cloneCalicoRelease,
  identifyCalicoSource,
  nodeFilesystemDir,
  readCalicoBuild,
  sourceTree,
  type CalicoBinary,
} from './calico-source.ts';
import { PrerequisiteError } from '../errors.ts';
import { buildRecipe, defaultVersion, type BuildRecipe } from './recipes.ts';
import { loadVersions, type UpstreamVersions } from './versions.ts';

export interface EnsureOptions {
  signal?: AbortSignal;
  log?: Logger;
  /** Environment to read the cache location and overrides from; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Pins to build from; defaults to versions.json. */
  versions?: UpstreamVersions;
  /** How often to report a build still running, in ms (default 10 s). */
  progressEveryMs?: number;
  /** Clone pinned Calico tags from here instead of the pinned repository (a mirror). */
  calicoRepository?: string;
}

// One build per binary per process, however many callers ask at once.
const inFlight = new Map<string, Promise<string>>();

/**
 * Absolute path of `component` at `version` (default: the one versions.json pins). Uses the
 * NETPOL_<COMPONENT> override when set, else the cache, else builds into the cache.
 */
export async function ensureBinary(component: Component, version?: string, options: EnsureOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const override = await overrideBinary(component, env);
  if (override) return override;
  const versions = options.versions ?? loadVersions();
  const wanted = version ?? defaultVersion(component, versions);
  // Releases the module proxy does not serve are built inside their source tree.
  if (component === 'felix' && !versions.calicoGoModules.has(wanted)) return ensureCalicoBinary(wanted, 'calico-felix', [], options);
  const recipe = buildRecipe(component, wanted, versions);
  const target = cachedBinaryPath(component, recipe.version, env);
  if (await isExecutableFile(target)) return target;
  let build = inFlight.get(target);
  if (!build) {
    build = buildInto(recipe, target, options).finally(() => inFlight.delete(target));
    inFlight.set(target, build);
  }
  return build;
}

/**
 * A binary of a Calico build from source: from the cache when that version was built with it (a
 * pinned release or a user's own label); else built again from the tree the cache entry came
 * from when it is still there, else from the pinned tag, cloned (a machine that reaches the
 * repository). `set` is what to build alongside when a build is needed.
 */
export async function ensureCalicoBinary(version: string, binary: CalicoBinary, set: readonly CalicoBinary[], options: EnsureOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const dir = calicoBuildDir(version, env);
  const wanted = [...new Set([binary, ...set])];
  const record = await readCalicoBuild(version, env);
  const complete = async (): Promise<boolean> => {
    if (!record || !wanted.every((b) => record.binaries.includes(b))) return false;
    return (await Promise.all(wanted.map((b) => isExecutableFile(join(dir, b))))).every(Boolean) && (await isDirectory(join(dir, nodeFilesystemDir)));
  };
  if (await complete()) return join(dir, binary);
  const versions = options.versions ?? loadVersions();
  const pin = versions.calicoSources.get(version);
  const again = record && (record.kind === 'archive' || record.kind === 'checkout') && (await exists(record.from)) ? record.from : undefined;
  if (!pin && !again) {
    throw new PrerequisiteError(
      `Calico ${version} is not built${record ? ' with everything needed' : ''} and versions.json pins no source for it; build it with: netpol-conformance build --calico-source <checkout or archive> --calico-version ${version}`,
    );
  }
  const key = `${dir}:${wanted.join(',')}`;
  let build = inFlight.get(key);
  if (!build) {
    const log = options.log ?? createLogger('upstream');
    const signal = options.signal ? { signal: options.signal } : {};
    build = (async () => {
      if (again) {
        // The same tree the entry was built from (its commit and sha256 are checked again).
        const source = await identifyCalicoSource(again, { versions, label: version, ...signal, env, log });
        if (source.commit !== record?.commit) throw new PrerequisiteError(`${again} is no longer commit ${record?.commit.slice(0, 12)}; build it again with build --calico-source`);
        await buildCalico(source, await sourceTree(source, { env, ...signal }), wanted, { env, log, ...signal });
      } else {
        const repository = options.calicoRepository ?? pin!.repository;
        const source = await cloneCalicoRelease(version, pin!, { env, log, repository, ...signal });
        await buildCalico(source, source.path, wanted, {
          env,
          log,
          from: repository,
          ...signal,
          ...(options.progressEveryMs ? { progressEveryMs: options.progressEveryMs } : {}),
        });
      }
      return join(dir, binary);
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, build);
  }
  return build;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function buildInto(recipe: BuildRecipe, target: string, options: EnsureOptions): Promise<string> {
  const log = options.log ?? createLogger('upstream');
  const what = `${recipe.component} ${recipe.version}`;
  await mkdir(dirname(target), { recursive: true });
  await removeAbandonedTemps(target);
  // Build beside the target and rename: a killed build never leaves a half-written binary there.
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const started = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - started) / 1000)}s`;
  log.info(`building ${what} from ${recipe.goPackage} (first use; downloads modules and compiles, several minutes)`);
  const timer = setInterval(() => log.info(`building ${what}: ${elapsed()}`), options.progressEveryMs ?? 10_000);
  try {
    await go(['build', '-trimpath', '-ldflags', recipe.ldflags.join(' '), '-o', temp, recipe.goPackage], {
      cwd: recipe.moduleDir,
      env: { CGO_ENABLED: '0' },
      ...(options.signal ? { signal: options.signal } : {}),
      onLine: (line) => log.debug(`go: ${line}`),
    });
    await rename(temp, target);
  } finally {
    clearInterval(timer);
    await rm(temp, { force: true });
  }
  log.info(`built ${what} in ${elapsed()}: ${target}`);
  return target;
}

/** Temp files of builds whose process died without cleaning up (SIGKILL, power loss). */
async function removeAbandonedTemps(target: string): Promise<void> {
  const prefix = `${basename(target)}.tmp-`;
  for (const name of await readdir(dirname(target))) {
    const pid = Number(name.startsWith(prefix) ? name.slice(prefix.length).split('-')[0] : NaN);
    if (Number.isInteger(pid) && !isRunning(pid)) await rm(join(dirname(target), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
