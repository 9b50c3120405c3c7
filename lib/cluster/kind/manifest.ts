// Calico's operator-less manifest (manifests/calico.yaml) for a pinned release: found in the
// cache, in the Calico Go module the netns build downloaded, or downloaded from its pinned URL,
// and always verified against the pinned sha256 before anything uses it. Then customized for the
// run (felix dataplane settings, image mirror) as plain objects. Only the fetch touches the
// network; the rest is pure.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CancelledError, InfrastructureError, InputError, messageOf } from '../../errors.ts';
import { cacheRoot } from '../../upstream/cache.ts';
import type { KubeObject } from '../../kube/client.ts';
import type { Dataplane } from '../provider.ts';
import { withMirror } from './images.ts';
import type { ManifestPin } from './pins.ts';

export class ChecksumMismatchError extends InfrastructureError {}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Throws a one-line ChecksumMismatchError naming the expected and actual digests. */
export function verifySha256(data: Uint8Array | string, expected: string, what: string): void {
  const actual = sha256Hex(data);
  if (actual !== expected.toLowerCase()) {
    throw new ChecksumMismatchError(`${what}: sha256 mismatch, expected ${expected} but got ${actual}; refusing to use it`);
  }
}

export interface FetchManifestOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Try only this URL (tests point it at a local server); default: cache, module cache, pin.url. */
  url?: string;
  log?: (line: string) => void;
}

export interface FetchedManifest {
  text: string;
  /** Where it came from: a path or a URL. */
  source: string;
}

/** The pinned manifest's text, verified. Refuses a release whose sha256 is not pinned yet. */
export async function fetchCalicoManifest(pin: ManifestPin, options: FetchManifestOptions = {}): Promise<FetchedManifest> {
  const what = `Calico ${pin.calicoVersion} ${pin.file}`;
  if (!pin.sha256) {
    throw new InputError(
      `${what} has no pinned sha256 in versions.json (calico.versions["${pin.calicoVersion}"].manifest.sha256); ` +
        `pin it (curl -sSfL ${pin.url} | sha256sum) or choose a pinned release`,
    );
  }
  const env = options.env ?? process.env;
  // The same place a build from source keeps its release's manifests.
  const cached = join(cacheRoot(env), 'calico', pin.calicoVersion, 'manifests', pin.file);
  if (options.url === undefined) {
    for (const path of [cached, ...moduleCacheCandidates(pin, env)]) {
      const text = await readFile(path, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      // A cached or module copy that fails verification is an error, not something to skip.
      verifySha256(text, pin.sha256, `${what} at ${path}`);
      options.log?.(`${what}: ${path} (sha256 verified)`);
      if (path !== cached) await store(cached, text);
      return { text, source: path };
    }
  }
  const url = options.url ?? pin.url;
  const text = await download(url, what, options);
  verifySha256(text, pin.sha256, `${what} from ${url}`);
  options.log?.(`${what}: downloaded ${url} (sha256 verified)`);
  await store(cached, text);
  return { text, source: url };
}

function moduleCacheCandidates(pin: ManifestPin, env: NodeJS.ProcessEnv): string[] {
  if (!pin.goModule) return [];
  const modCache = env.GOMODCACHE || join(env.GOPATH || join(env.HOME ?? homedir(), 'go'), 'pkg', 'mod');
  return [join(modCache, 'github.com', 'projectcalico', `calico@${pin.goModule}`, 'manifests', pin.file)];
}

async function download(url: string, what: string, options: FetchManifestOptions): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, { signal, redirect: 'follow' });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    return await response.text();
  } catch (e) {
    if (options.signal?.aborted) throw new CancelledError(`${what}: download cancelled`, { cause: e });
    const cause = (e as { cause?: unknown }).cause;
    const detail = cause ? `${messageOf(e)}: ${messageOf(cause)}` : messageOf(e);
    throw new InfrastructureError(
      `${what}: download of ${url} failed (${detail}); on a machine without access, place the verified file at ` +
        `${join(cacheRoot(options.env ?? process.env), 'calico', '<version>', 'manifests', '<file>')} (netpol-conformance build --calico-source puts it there)`,
      { cause: e },
    );
  }
}

async function store(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text);
  await rename(temp, path);
}

export interface CustomizeOptions {
  dataplane: Dataplane;
  /** More environment for calico-node, exactly as spelled (felix matches some names by case). */
  extraEnv?: Record<string, string>;
  /** Extra felix settings as FelixConfiguration field names ({DefaultEndpointToHostAction: 'Accept'}). */
  felixSettings?: Record<string, string>;
  registryMirror?: string;
  /** Dual-stack: pods get an IPv6 address too, from an IPv6 pool with this CIDR (the cluster's IPv6 pod subnet). */
  ipv6PoolCidr?: string;
}

/**
 * Felix environment for a dataplane (FELIX_IGNORELOOSERPF, which policy-assistant's kind lane
 * sets, no longer exists in felix v3.31+: felix/config/config_params.go), and what Calico's
 * dual-stack guide sets on calico-node for IPv6: IPv6 support in felix, the node's IPv6 address
 * autodetected, the IPv6 pool, NAT outgoing as the IPv4 pool has it. The pool's encapsulation
 * stays the manifest's CALICO_IPV6POOL_VXLAN (Never with BGP in calico.yaml, CrossSubnet in
 * calico-vxlan.yaml).
 */
export function felixEnv(options: CustomizeOptions): Record<string, string> {
  const env: Record<string, string> = {
    FELIX_IPTABLESBACKEND: options.dataplane === 'iptables-legacy' ? 'Legacy' : 'NFT',
    FELIX_NFTABLESMODE: options.dataplane === 'nftables' ? 'Enabled' : 'Disabled',
    FELIX_XDPENABLED: 'false',
    ...(options.ipv6PoolCidr === undefined
      ? {}
      : {
          FELIX_IPV6SUPPORT: 'true',
          IP6: 'autodetect',
          CALICO_IPV6POOL_CIDR: options.ipv6PoolCidr,
          CALICO_IPV6POOL_NAT_OUTGOING: 'true',
        }),
  };
  for (const [field, value] of Object.entries(options.felixSettings ?? {})) env[`FELIX_${field.toUpperCase()}`] = value;
  return { ...env, ...options.extraEnv };
}

interface Container {
  name: string;
  image?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}

/** Parse the manifest into objects, set felix's env on calico-node and move images to the mirror. */
export function customizeCalicoManifest(text: string, options: CustomizeOptions): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new InputError(`Calico manifest: YAML error: ${doc.errors[0]!.message}`);
    const object = doc.toJSON() as KubeObject | null;
    if (object && typeof object === 'object' && object.kind) objects.push(object);
  }
  const node = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === 'calico-node');
  if (!node) throw new InputError('Calico manifest has no DaemonSet calico-node: not the operator-less calico.yaml?');
  if (options.ipv6PoolCidr !== undefined) assignBothFamilies(objects);
  const env = felixEnv(options);
  for (const object of objects) {
    for (const container of podContainers(object)) {
      if (container.image) container.image = withMirror(container.image, options.registryMirror);
      if (object === node && container.name === 'calico-node') {
        const rest = (container.env ?? []).filter((e) => !(e.name in env));
        container.env = [...rest, ...Object.entries(env).map(([name, value]) => ({ name, value }))];
      }
    }
  }
  return objects;
}

/**
 * Calico IPAM in the CNI config assigns an IPv6 address beside the IPv4 one (Calico's dual-stack
 * guide: "assign_ipv4" and "assign_ipv6" in the calico-config ConfigMap's cni_network_config).
 * The config is a template (`__CNI_MTU__`...), not JSON, so the ipam block is edited as text.
 */
function assignBothFamilies(objects: KubeObject[]): void {
  const config = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'calico-config') as (KubeObject & { data?: Record<string, string> }) | undefined;
  const cni = config?.data?.cni_network_config;
  const ipam = /"ipam":\s*\{\s*"type":\s*"calico-ipam"\s*\}/;
  if (!config?.data || cni === undefined || !ipam.test(cni)) {
    throw new InputError('Calico manifest: no calico-config cni_network_config with a calico-ipam "ipam" block to make dual-stack');
  }
  config.data.cni_network_config = cni.replace(ipam, '"ipam": {\n              "type": "calico-ipam",\n              "assign_ipv4": "true",\n              "assign_ipv6": "true"\n          }');
}

/** The containers and init containers of a workload's pod template. */
export function podContainers(object: KubeObject): Container[] {
  const spec = (object.spec as { template?: { spec?: { containers?: Container[]; initContainers?: Container[] } } } | undefined)?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** The images a manifest runs (for preloading with `kind load docker-image`). */
export function manifestImages(objects: KubeObject[]): string[] {
  return [...new Set(objects.flatMap((o) => podContainers(o).map((c) => c.image).filter((i): i is string => Boolean(i))))];
}
