// The Go-built tools the kind path uses, resolved once and cached outside the repo:
// - kind itself (sigs.k8s.io/kind at versions.json's `kind`),
// - kind-validate (clusters/kind/validate: kind's own config loader and Validate()),
// - actionlint (github.com/rhysd/actionlint/cmd/actionlint at versions.json's `actionlint`).
// Builds go through lib/upstream/go.ts, the only code that runs the go command. lib/upstream's
// ensureBinary builds from committed wrapper modules; kind and actionlint need none (their own
// go.sum is checked against the checksum database by `go install module@version`).
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { createLogger, type Logger } from '../../log.ts';
import { cacheRoot, removeCreatedDirs } from '../../upstream/cache.ts';
import { go } from '../../upstream/go.ts';
import { repoRoot } from '../../upstream/versions.ts';
import { loadKindPins } from './pins.ts';

export interface ToolOptions {
  signal?: AbortSignal;
  log?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Only look (override, cache); never build. For `clean`, which must not take minutes. */
  noBuild?: boolean;
}

interface Tool {
  name: string;
  version: string;
  /** `go install` target, or a package built inside `moduleDir`. */
  install?: string;
  moduleDir?: string;
  /** Environment variable naming a binary to use instead. */
  override: string;
}

export const kindValidateDir = join(repoRoot, 'clusters', 'kind', 'validate');

function tools(): Record<'kind' | 'kind-validate' | 'actionlint', Tool> {
  const pins = loadKindPins();
  return {
    kind: { name: 'kind', version: pins.kind, install: `sigs.k8s.io/kind@${pins.kind}`, override: 'NETPOL_KIND' },
    'kind-validate': { name: 'kind-validate', version: pins.kind, moduleDir: kindValidateDir, override: 'NETPOL_KIND_VALIDATE' },
    actionlint: {
      name: 'actionlint',
      version: pins.actionlint,
      install: `github.com/rhysd/actionlint/cmd/actionlint@${pins.actionlint}`,
      override: 'NETPOL_ACTIONLINT',
    },
  };
}

const inFlight = new Map<string, Promise<string>>();

/** Path of a tool: `$NETPOL_<TOOL>`, else `<cache>/bin/<tool>/<version>/<tool>`, else built there. */
export async function ensureTool(which: 'kind' | 'kind-validate' | 'actionlint', options: ToolOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const tool = tools()[which];
  const override = env[tool.override];
  if (override) return override;
  const target = join(cacheRoot(env), 'bin', tool.name, tool.version, tool.name);
  if (await isExecutable(target)) return target;
  if (options.noBuild) throw new Error(`${tool.name} ${tool.version} is not built (looked in ${target} and $${tool.override})`);
  let build = inFlight.get(target);
  if (!build) {
    build = buildInto(tool, target, options).finally(() => inFlight.delete(target));
    inFlight.set(target, build);
  }
  return build;
}

/** A `kind` on PATH, if there is one (the caller checks its version through kind-cli). */
export async function kindOnPath(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'kind');
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function buildInto(tool: Tool, target: string, options: ToolOptions): Promise<string> {
  const log = options.log ?? createLogger('kind:tools');
  const started = Date.now();
  log.info(`building ${tool.name} ${tool.version} from its Go module (first use; cached in ${dirname(target)})`);
  const created = await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const common = { ...(options.signal ? { signal: options.signal } : {}), onLine: (line: string) => log.debug(`go: ${line}`) };
  try {
    if (tool.install) {
      // GOBIN receives the binary under its own name; build into a private dir, then move it.
      const gobin = `${temp}.d`;
      await go(['install', '-trimpath', '-ldflags=-s -w', tool.install], {
        cwd: tmpdir(),
        env: { GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '' },
        ...common,
      });
      await rename(join(gobin, tool.name), target);
      await rm(gobin, { recursive: true, force: true });
    } else {
      await go(['build', '-trimpath', '-ldflags=-s -w', '-o', temp, '.'], {
        cwd: tool.moduleDir!,
        env: { CGO_ENABLED: '0' },
        ...common,
      });
      await rename(temp, target);
    }
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.d`, { recursive: true, force: true });
    // A failed first build leaves no empty folders in the cache.
    if (!(await isExecutable(target))) await removeCreatedDirs(dirname(target), created);
  }
  log.info(`built ${tool.name} ${tool.version} in ${Math.round((Date.now() - started) / 1000)}s: ${target}`);
  return target;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
