// What one run is asked to do, validated before anything is created: bad input never leaves
// half-made clusters behind.
import type { Dataplane, ProviderName } from '../cluster/provider.ts';
import { parseAllDocuments } from 'yaml';
import { InputError } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import type { KubeObject } from '../kube/client.ts';
import { findRecipe, loadCatalog, type Recipe } from '../recipes/index.ts';
import { loadVersions, type UpstreamVersions } from '../upstream/index.ts';
import { calicoPins } from '../upstream/versions.ts';

export interface RunOptions {
  provider: ProviderName;
  /** Empty: the provider's default (see defaultCalico). */
  calicoVersion: string;
  dataplane: Dataplane;
  /** Recipe ids to run; empty = the whole catalog. */
  recipes: string[];
  /** A directory of the user's own recipe files, instead of the built-in recipes/. */
  catalogDir?: string;
  reportsDir: string;
  keepClusterOnFailure: boolean;
  /** FelixConfiguration fields to set (e.g. for a release-gate check of a setting's effect). */
  felixSettings: Record<string, string>;
  /** Seconds a probe waits for a handshake or echo reply before calling the flow blocked. */
  connectSeconds: number;
  /** Abort the whole run after this long. */
  deadlineMinutes: number;
  /** YAML files of extra objects (e.g. Calico Tiers, FelixConfiguration) applied once the
   * cluster is ready, before any recipe. */
  calicoResources: string[];
  /** kind: registry host replacement for every image, e.g. mirror.local:5000/proxy. */
  registryMirror?: string;
  /** kind: `kind load docker-image` the fixture images from the local Docker into the nodes. */
  preloadImages: boolean;
  /** Run id; generated when absent. */
  runId?: string;
}

export const providers: readonly ProviderName[] = ['netns', 'kind'];
/** A day: a longer timer would overflow Node's 32-bit timeout and fire at once. */
export const maxDeadlineMinutes = 1440;
export const dataplanes: readonly Dataplane[] = ['iptables-nft', 'iptables-legacy', 'nftables'];

export function defaultRunOptions(): RunOptions {
  return {
    provider: 'netns',
    calicoVersion: '',
    dataplane: 'iptables-nft',
    recipes: [],
    reportsDir: 'reports',
    keepClusterOnFailure: false,
    felixSettings: {},
    calicoResources: [],
    preloadImages: false,
    connectSeconds: 2,
    deadlineMinutes: 60,
  };
}

/**
 * versions.json's default Calico; on the netns provider, which builds felix from Go modules, the
 * newest release whose modules are pinned when the default's are not (the module proxy serves
 * only some Calico commits).
 */
export function defaultCalico(provider: ProviderName, versions: UpstreamVersions = loadVersions()): string {
  if (provider !== 'netns' || versions.calicoGoModules.has(versions.calicoDefault)) return versions.calicoDefault;
  const newest = [...versions.calicoGoModules.keys()].sort((a, b) => b.localeCompare(a, undefined, { numeric: true }))[0];
  if (!newest) throw new InputError('versions.json pins no Calico Go modules, so felix cannot be built for the netns provider; add calico.versions[...].goModules');
  return newest;
}

/** Checks every field; throws an InputError naming the field and the fix. */
export function validateRunOptions(options: RunOptions): { options: RunOptions; recipes: Recipe[] } {
  if (!providers.includes(options.provider)) {
    throw new InputError(`unknown provider "${options.provider}"; use one of: ${providers.join(', ')}`);
  }
  if (!dataplanes.includes(options.dataplane)) {
    throw new InputError(`unknown dataplane "${options.dataplane}"; use one of: ${dataplanes.join(', ')}`);
  }
  const versions = loadVersions();
  if (options.calicoVersion === '') options = { ...options, calicoVersion: defaultCalico(options.provider, versions) };
  if (!versions.calicoReleases.includes(options.calicoVersion)) {
    throw new InputError(
      `unknown Calico version "${options.calicoVersion}"; versions.json pins: ${versions.calicoReleases.join(', ')}`,
    );
  }
  if (options.provider === 'netns') {
    // felix and Calico's CRDs come from Calico's Go modules: no pins, nothing to run.
    try {
      calicoPins(versions, options.calicoVersion);
    } catch (e) {
      const pinned = [...versions.calicoGoModules.keys()].join(', ');
      throw new InputError(`Calico ${options.calicoVersion} cannot run on the netns provider: versions.json pins no Go modules for it; use --calico ${pinned.split(', ')[0]} (pinned: ${pinned}) or --provider kind`, { cause: e });
    }
    for (const [flag, given] of [['--registry-mirror', options.registryMirror !== undefined], ['--preload-images', options.preloadImages]] as const) {
      if (given) throw new InputError(`${flag} is for --provider kind; the netns provider pulls no images`);
    }
  }
  if (!(options.connectSeconds >= 1 && options.connectSeconds <= 30)) {
    throw new InputError(`--connect-timeout must be between 1 and 30 seconds, got ${options.connectSeconds}`);
  }
  if (!(options.deadlineMinutes > 0 && options.deadlineMinutes <= maxDeadlineMinutes)) {
    throw new InputError(`--deadline must be more than 0 and at most ${maxDeadlineMinutes} minutes, got ${options.deadlineMinutes}`);
  }
  for (const [key, value] of Object.entries(options.felixSettings)) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(key) || value === '') {
      throw new InputError(`felix setting "${key}=${value}" must look like FieldName=value (a FelixConfiguration spec field, e.g. DefaultEndpointToHostAction=Accept)`);
    }
  }
  for (const file of options.calicoResources) loadResources(file);
  const catalog = loadCatalog(options.catalogDir);
  const recipes = options.recipes.length === 0 ? catalog : options.recipes.map((id) => findRecipe(catalog, id));
  return { options, recipes };
}

const envKey = 'NETPOL_RUN_OPTIONS';

/** The CLI hands its options to the mocha specs through the environment. */
export function runOptionsToEnv(options: RunOptions): Record<string, string> {
  return { [envKey]: JSON.stringify(options) };
}

export function runOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RunOptions {
  const raw = env[envKey];
  if (!raw) return defaultRunOptions();
  try {
    return { ...defaultRunOptions(), ...(JSON.parse(raw) as Partial<RunOptions>) };
  } catch {
    throw new InputError(`${envKey} is not valid JSON`);
  }
}

/** The objects of a --calico-resources file; InputError naming the file and document when malformed. */
export function loadResources(file: string): KubeObject[] {
  const text = readInputFile(file, 'calicoResources', `--calico-resources ${file}`);
  const objects: KubeObject[] = [];
  parseAllDocuments(text).forEach((doc, i) => {
    if (doc.errors.length > 0) throw new InputError(`${file}: document ${i + 1}: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) return;
    const object = value as Partial<KubeObject>;
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new InputError(`${file}: document ${i + 1}: needs apiVersion, kind and metadata.name`);
    }
    objects.push(object as KubeObject);
  });
  if (objects.length === 0) throw new InputError(`${file}: no objects in it`);
  return objects;
}
