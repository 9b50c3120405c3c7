// Regenerates the wrapper Go modules under clusters/netns/upstream from versions.json:
// `npm run gen:upstream` after editing a version there. Downloads each upstream go.mod through
// the module proxy, renders the wrapper go.mod and tools.go, then `go mod tidy` writes go.sum.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLogger, type Logger } from '../log.ts';
import { go } from './go.ts';
import {
  calicoDir,
  calicoModule,
  etcdServerModule,
  goModDrift,
  kubernetesModule,
  parseGoMod,
  renderCalicoModule,
  renderEtcdModule,
  renderKubernetesModule,
  type GoMod,
  type WrapperFiles,
} from './gomod.ts';
import { upstreamDir } from './recipes.ts';
import { loadVersions, type UpstreamVersions } from './versions.ts';

export interface GenerateOptions {
  signal?: AbortSignal;
  log?: Logger;
}

/** The go.mod of `module@version`, fetched into the module cache (no-op when already there). */
export async function upstreamGoMod(module: string, version: string, signal?: AbortSignal): Promise<GoMod> {
  const out = await go(['mod', 'download', '-json', `${module}@${version}`], { cwd: upstreamDir, ...(signal ? { signal } : {}) });
  const { GoMod: path } = JSON.parse(out) as { GoMod?: string };
  if (!path) throw new Error(`go mod download ${module}@${version} printed no GoMod: ${out}`);
  return parseGoMod(await readFile(path, 'utf8'));
}

/** Every wrapper module versions.json calls for, rendered. */
export async function renderAll(versions: UpstreamVersions, signal?: AbortSignal): Promise<WrapperFiles[]> {
  const modules = [
    renderKubernetesModule(versions.kubernetes, await upstreamGoMod(kubernetesModule, versions.kubernetes, signal)),
    renderEtcdModule(versions.etcd, await upstreamGoMod(etcdServerModule, versions.etcd, signal)),
  ];
  for (const [release, pins] of versions.calicoGoModules) {
    modules.push(renderCalicoModule(release, pins, await upstreamGoMod(calicoModule, pins.calico, signal)));
  }
  return modules;
}

export async function generate(options: GenerateOptions = {}): Promise<void> {
  const log = options.log ?? createLogger('gen:upstream');
  const versions = loadVersions();
  await mkdir(upstreamDir, { recursive: true });
  const modules = await renderAll(versions, options.signal);
  for (const files of modules) await writeModule(files, log, options.signal);
  await removeStaleCalicoModules(new Set(modules.map((m) => m.dir)), log);
}

async function writeModule(files: WrapperFiles, log: Logger, signal?: AbortSignal): Promise<void> {
  const dir = join(upstreamDir, files.dir);
  await mkdir(dir, { recursive: true });
  const goModPath = join(dir, 'go.mod');
  // A committed go.mod that already agrees keeps its tidied requirements; anything else is rewritten.
  const current = existsSync(goModPath) ? await readFile(goModPath, 'utf8') : undefined;
  const drift = current === undefined ? ['new module'] : goModDrift(files.goMod, current);
  if (drift.length > 0) {
    log.info(`${files.dir}: writing go.mod (${drift.join('; ')})`);
    await writeFile(goModPath, files.goMod);
    await rm(join(dir, 'go.sum'), { force: true });
  }
  await writeFile(join(dir, 'tools.go'), files.toolsGo);
  log.info(`${files.dir}: go mod tidy`);
  await go(['mod', 'tidy'], { cwd: dir, ...(signal ? { signal } : {}) });
}

async function removeStaleCalicoModules(keep: Set<string>, log: Logger): Promise<void> {
  for (const entry of await readdir(upstreamDir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name.startsWith(calicoDir('')) && !keep.has(entry.name)) {
      log.info(`${entry.name}: removing (no longer pinned in versions.json)`);
      await rm(join(upstreamDir, entry.name), { recursive: true });
    }
  }
}

const isEntry = process.argv[1] !== undefined && /upstream[/\\]generate\.ts$/.test(process.argv[1]);
if (isEntry) {
  generate().catch((e: unknown) => {
    process.stderr.write(`gen:upstream: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
