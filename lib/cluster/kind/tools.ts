// The Go-built tools the kind path uses, resolved once and cached outside the repo:
// - kind itself (sigs.k8s.io/kind at versions.json's `kind`),
// - kind-validate (clusters/kind/validate: kind's own config loader and Validate()),
// - actionlint (github.com/rhysd/actionlint/cmd/actionlint at versions.json's `actionlint`),
// - what goes into the node and Calico images, at versions.json's `kindImages`, built as kind's
//   images/base Dockerfile builds them (tags, ldflags; kind@v0.32.0/images/base/Dockerfile):
//   containerd, ctr, containerd-shim-runc-v2, runc, crictl, the CNI plugins, CoreDNS.
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
  ldflags?: string[];
  tags?: string[];
  /** runc links libseccomp (needs libseccomp-dev and pkg-config to build). */
  cgo?: boolean;
}

export const kindValidateDir = join(repoRoot, 'clusters', 'kind', 'validate');

export const imageTools = [
  'containerd',
  'ctr',
  'containerd-shim-runc-v2',
  'runc',
  'crictl',
  'host-local',
  'loopback',
  'ptp',
  'portmap',
  'tuning',
  'coredns',
] as const;
export type ImageTool = (typeof imageTools)[number];
export type ToolName = 'kind' | 'kind-validate' | 'actionlint' | ImageTool;

function tools(): Record<ToolName, Tool> {
  const pins = loadKindPins();
  const i = pins.images;
  const containerd = (cmd: string, extraTags: string[] = []): Tool => ({
    name: cmd,
    version: i.containerd.version,
    install: `github.com/containerd/containerd/v2/cmd/${cmd}@${i.containerd.version}`,
    override: `NETPOL_${cmd.toUpperCase().replace(/-/g, '_')}`,
    tags: ['no_aufs', 'no_zfs', 'no_btrfs', 'no_devmapper', 'urfave_cli_no_docs', ...extraTags],
    ldflags: [
      `-X github.com/containerd/containerd/v2/version.Version=${i.containerd.version}`,
      `-X github.com/containerd/containerd/v2/version.Revision=${i.containerd.commit}`,
      '-X github.com/containerd/containerd/v2/version.Package=github.com/containerd/containerd/v2',
    ],
  });
  const cni = (name: string, dir: string): Tool => ({
    name,
    version: i.cniPlugins,
    install: `github.com/containernetworking/plugins/plugins/${dir}/${name}@${i.cniPlugins}`,
    override: `NETPOL_CNI_${name.toUpperCase().replace(/-/g, '_')}`,
    ldflags: [`-X github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion=${i.cniPlugins}`],
  });
  return {
    containerd: containerd('containerd'),
    ctr: containerd('ctr'),
    'containerd-shim-runc-v2': containerd('containerd-shim-runc-v2', ['no_grpc']),
    runc: { name: 'runc', version: i.runc, install: `github.com/opencontainers/runc@${i.runc}`, override: 'NETPOL_RUNC', tags: ['seccomp', 'urfave_cli_no_docs'], cgo: true },
    crictl: {
      name: 'crictl',
      version: i.crictl,
      install: `sigs.k8s.io/cri-tools/cmd/crictl@${i.crictl}`,
      override: 'NETPOL_CRICTL',
      ldflags: [`-X sigs.k8s.io/cri-tools/pkg/version.Version=${i.crictl.replace(/^v/, '')}`],
    },
    'host-local': cni('host-local', 'ipam'),
    loopback: cni('loopback', 'main'),
    ptp: cni('ptp', 'main'),
    portmap: cni('portmap', 'meta'),
    tuning: cni('tuning', 'meta'),
    coredns: {
      name: 'coredns',
      version: i.coredns,
      install: `github.com/coredns/coredns@${i.coredns}`,
      override: 'NETPOL_COREDNS',
      tags: ['grpcnotrace'],
      ldflags: [`-X github.com/coredns/coredns/coremain.GitCommit=${i.coredns}`],
    },
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
export async function ensureTool(which: ToolName, options: ToolOptions = {}): Promise<string> {
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
      const ldflags = ['-s', '-w', ...(tool.ldflags ?? [])].join(' ');
      const tags = tool.tags?.length ? ['-tags', tool.tags.join(',')] : [];
      await go(['install', '-trimpath', `-ldflags=${ldflags}`, ...tags, tool.install], {
        cwd: tmpdir(),
        env: { GOBIN: gobin, CGO_ENABLED: tool.cgo ? '1' : '0', GOFLAGS: '' },
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
