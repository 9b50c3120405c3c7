// What one run is asked to do, validated before anything is created: bad input never leaves
// half-made clusters behind.
import type { Dataplane, ProviderName } from '../cluster/provider.ts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { excerpt, InputError, messageOf } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import type { KubeObject } from '../kube/client.ts';
import { findRecipe, loadCatalog, planRecipe, type Recipe } from '../recipes/index.ts';
import { calicoBuildDir, loadVersions, type UpstreamVersions } from '../upstream/index.ts';

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
  /** kind: `local` images built by `netpol-conformance images`, `registry`, or `auto` (local when built). */
  images?: 'auto' | 'local' | 'registry';
  /** Run id; generated when absent. */
  runId?: string;
  /** Recipes run side by side on the one cluster; 1 runs them one after another. */
  concurrency: number;
  /**
   * How a blocked verdict is reached. `counters`: a probe ends the moment a Calico drop or
   * reject rule of its own endpoint counted its packets (the connect timeout stays as the
   * fallback). `timeout`: every blocked probe waits out its connect timeout.
   */
  blockedBy: BlockedBy;
  /** Only the probes whose "<recipe id>: <title> <probe id>" matches this regular expression. */
  grep?: string;
}

export type BlockedBy = 'counters' | 'timeout';
export const blockedByValues: readonly BlockedBy[] = ['counters', 'timeout'];

/**
 * Recipes side by side by default, chosen by measurement on 2 cores (netns, warm cluster, the
 * whole catalog): 2 at a time took 64 s, 3 took 52 s, 4 took 46 s, while the median allowed
 * probe grew from 49 ms to 71 ms and 89 ms. Beyond 3 the CPU (felix, the API server, the
 * probes themselves), not the waits, sets the pace, and probes only get slower.
 */
export const defaultConcurrency = 3;

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
    concurrency: defaultConcurrency,
    blockedBy: 'counters',
  };
}

/**
 * versions.json's default Calico. The netns provider builds felix from the release's Go modules
 * or its pinned source tree, so the default needs one of them.
 */
export function defaultCalico(provider: ProviderName, versions: UpstreamVersions = loadVersions()): string {
  const v = versions.calicoDefault;
  if (provider === 'netns' && !versions.calicoGoModules.has(v) && !versions.calicoSources.has(v)) {
    throw new InputError(`versions.json pins neither Go modules nor a source tree for the default Calico ${v}, so felix cannot be built; add calico.versions["${v}"].source`);
  }
  return v;
}

/** A Calico version a run may ask for: a release in versions.json, or a user's own build from
 * source (`build --calico-source <tree> --calico-version <label>`) found in the cache. */
export function isKnownCalico(version: string, versions: UpstreamVersions, env: NodeJS.ProcessEnv = process.env): boolean {
  if (versions.calicoReleases.includes(version)) return true;
  try {
    return existsSync(join(calicoBuildDir(version, env), 'source.json'));
  } catch {
    return false;
  }
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
  if (!isKnownCalico(options.calicoVersion, versions)) {
    throw new InputError(
      `unknown Calico version "${options.calicoVersion}"; versions.json pins: ${versions.calicoReleases.join(', ')} (or build your own with build --calico-source <tree> --calico-version <label>)`,
    );
  }
  if (options.provider === 'netns') {
    // felix comes from the release's Go modules or its source tree; a release with neither pinned
    // has nothing the netns provider can run (a user's own build is known by its label).
    const v = options.calicoVersion;
    if (versions.calicoReleases.includes(v) && !versions.calicoGoModules.has(v) && !versions.calicoSources.has(v)) {
      const buildable = versions.calicoReleases.filter((r) => versions.calicoGoModules.has(r) || versions.calicoSources.has(r));
      throw new InputError(`Calico ${v} cannot run on the netns provider: versions.json pins neither Go modules nor a source tree for it; use --calico ${buildable[0] ?? '<release>'} (buildable: ${buildable.join(', ') || 'none'}) or --provider kind`);
    }
    for (const [flag, given] of [['--registry-mirror', options.registryMirror !== undefined], ['--preload-images', options.preloadImages], ['--images', options.images !== undefined]] as const) {
      if (given) throw new InputError(`${flag} is for --provider kind; the netns provider pulls no images`);
    }
  }
  if (!(options.connectSeconds >= 1 && options.connectSeconds <= 30)) {
    throw new InputError(`--connect-timeout must be between 1 and 30 seconds, got ${options.connectSeconds}`);
  }
  if (!(options.deadlineMinutes > 0 && options.deadlineMinutes <= maxDeadlineMinutes)) {
    throw new InputError(`--deadline must be more than 0 and at most ${maxDeadlineMinutes} minutes, got ${options.deadlineMinutes}`);
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 32) {
    throw new InputError(`--concurrency must be a whole number from 1 to 32, got ${options.concurrency}`);
  }
  if (!blockedByValues.includes(options.blockedBy)) {
    throw new InputError(`--blocked-by must be one of: ${blockedByValues.join(', ')}; got "${options.blockedBy}"`);
  }
  for (const [key, value] of Object.entries(options.felixSettings)) {
    if (!/^[A-Z][A-Za-z0-9]*$/.test(key) || value === '') {
      throw new InputError(`felix setting "${key}=${value}" must look like FieldName=value (a FelixConfiguration spec field, e.g. DefaultEndpointToHostAction=Accept)`);
    }
  }
  for (const file of options.calicoResources) loadResources(file);
  const catalog = loadCatalog(options.catalogDir);
  const chosen = options.recipes.length === 0 ? catalog : options.recipes.map((id) => findRecipe(catalog, id));
  const recipes = options.grep === undefined ? chosen : chosen.filter((r) => planRecipe(r, '').probes.some((p) => grepSelects(options.grep, r, p.id)));
  if (recipes.length === 0) {
    throw new InputError(`--grep ${excerpt(options.grep ?? '')} matches no probe of the recipes to run; \`netpol-conformance recipes\` lists recipe titles and probes`);
  }
  return { options, recipes };
}

/** --grep as mocha read it: `/re/flags` or a plain pattern; a one-line InputError otherwise. */
export function grepPattern(grep: string): RegExp {
  const literal = /^\/(.*)\/([a-z]*)$/.exec(grep);
  try {
    return literal ? new RegExp(literal[1]!, literal[2]) : new RegExp(grep);
  } catch (e) {
    throw new InputError(`--grep ${excerpt(grep)} is not a regular expression (${messageOf(e).replace(/^Invalid regular expression: /, '')}); escape characters such as ( [ * with \\`, { cause: e });
  }
}

/** Whether --grep keeps this probe: its "<recipe id>: <title> <probe id>" matches. */
export function grepSelects(grep: string | undefined, recipe: Pick<Recipe, 'id' | 'title'>, probeId: string): boolean {
  return grep === undefined || grepPattern(grep).test(`${recipe.id}: ${recipe.title} ${probeId}`);
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
