// `netpol-conformance build`: make sure the upstream binaries exist in the cache, building each on
// first use: kube-apiserver and etcd from their pinned Go modules, felix (and the Calico image
// binaries) from the release's pinned Go modules or inside its source tree.
import { InputError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import {
  buildCalico,
  ensureBinary,
  ensureCalicoBinary,
  identifyCalicoSource,
  imageBinaries,
  loadVersions,
  netnsBinaries,
  overrideVariables,
  sourceTree,
  type Component,
  type UpstreamVersions,
} from '../upstream/index.ts';
import { buildRecipe } from '../upstream/recipes.ts';
import { defaultCalico } from '../run/options.ts';
import { commaList, expectPositionals } from './args.ts';
import type { Command } from './main.ts';

interface Target {
  component: Component;
  version: string;
}

/** Every binary a Calico source build makes: felix for netns, the rest for the kind images. */
const calicoSet = [...netnsBinaries, ...imageBinaries];

/** Pure: which binaries a build invocation ensures, in the order to build them. */
export function planBuild(
  flags: { calico?: string[]; all?: boolean },
  versions: { kubernetes: string; etcd: string; calicoDefault: string; pinnedCalico: string[] },
): Target[] {
  const requested = commaList(flags.calico);
  const calico = requested.length > 0 ? requested : flags.all ? versions.pinnedCalico : [versions.calicoDefault];
  const targets: Target[] = [
    { component: 'kube-apiserver', version: versions.kubernetes },
    { component: 'etcd', version: versions.etcd },
    ...calico.map((version): Target => ({ component: 'felix', version })),
  ];
  if (flags.all) targets.push({ component: 'agnhost', version: versions.kubernetes });
  return targets;
}

/** Releases felix can be built for: pinned Go modules or a pinned source tree. */
export function buildableCalico(versions: UpstreamVersions): string[] {
  return versions.calicoReleases.filter((r) => versions.calicoGoModules.has(r) || versions.calicoSources.has(r));
}

const options = {
  calico: { type: 'string', multiple: true },
  all: { type: 'boolean' },
  'calico-source': { type: 'string' },
  'calico-version': { type: 'string' },
  'calico-repository': { type: 'string' },
} as const;

export const command: Command<typeof options> = {
  summary: 'build and cache the upstream binaries',
  usage: [
    'usage: netpol-conformance build [--calico <release>[,<release>...]] [--all]',
    '       netpol-conformance build --calico-source <checkout|archive.tar.gz> [--calico-version <label>]',
    '',
    'Ensures kube-apiserver, etcd and calico-felix (and with --all, agnhost and felix for every',
    'Calico release versions.json pins) exist in the cache, building each on first use. Felix comes',
    'from the release\'s pinned Go modules, or is built inside the release\'s source tree with the',
    'tree\'s own go.mod (with calico-node, the CNI plugin and kube-controllers for the kind images):',
    'the pinned tag is cloned from its repository and checked against the pinned commit.',
    'Prints "<component> <version> <path>".',
    '',
    '  --calico LIST             Calico releases to build felix for (default: versions.json\'s default)',
    '  --all                     everything: every pinned Calico release, and agnhost',
    '  --calico-source PATH      build Calico inside this tree: a git checkout, or a git archive',
    '                            (.tar.gz) of one; a pinned release\'s archive must match its sha256',
    '  --calico-version LABEL    the version to cache and run the build as (default: the pinned',
    '                            release at the tree\'s commit, else `git describe` of a checkout);',
    '                            run it with: netpol-conformance run --calico <label>',
    '  --calico-repository URL   clone pinned Calico tags from this repository (a mirror)',
    '',
    'Cache: $NETPOL_CONFORMANCE_CACHE or ${XDG_CACHE_HOME:-~/.cache}/netpol-conformance.',
    'Use existing binaries instead: NETPOL_KUBE_APISERVER, NETPOL_ETCD, NETPOL_FELIX, NETPOL_AGNHOST.',
  ].join('\n'),
  options,
  async run({ values, positionals }) {
    expectPositionals('build', positionals, 0, 0, 'no arguments');
    const { calico: calicoFlag, 'calico-source': source, 'calico-version': label, 'calico-repository': repository } = values;
    if (calicoFlag !== undefined && commaList(calicoFlag).length === 0) {
      throw new InputError('--calico needs at least one Calico release, e.g. --calico v3.31.0');
    }
    if (label !== undefined && source === undefined) throw new InputError('--calico-version labels a --calico-source build; give --calico-source too');
    if (source !== undefined && (calicoFlag !== undefined || values.all === true)) throw new InputError('--calico-source builds one tree; do not combine it with --calico or --all');
    const log = createLogger('build');
    const versions = loadVersions();
    const root = createRootSignal({ log });
    const signal = root.signal;
    try {
      if (source !== undefined) {
        // Identify (and refuse a wrong archive) before anything else is built.
        const identity = await identifyCalicoSource(source, { versions, ...(label ? { label } : {}), signal, log });
        for (const component of ['kube-apiserver', 'etcd'] as const) {
          process.stdout.write(`${component} ${versions[component === 'etcd' ? 'etcd' : 'kubernetes']} ${await ensureBinary(component, undefined, { signal, log })}\n`);
        }
        const tree = await sourceTree(identity, { signal });
        const dir = await buildCalico(identity, tree, calicoSet, { signal, log });
        process.stdout.write(`calico ${identity.version} ${dir}\n`);
        return 0;
      }
      const targets = planBuild(
        { ...(calicoFlag !== undefined ? { calico: calicoFlag } : {}), all: values.all === true },
        { ...versions, calicoDefault: defaultCalico('netns', versions), pinnedCalico: buildableCalico(versions) },
      );
      // Refuse an unknown version before spending minutes building the others.
      for (const { component, version } of targets) {
        if (process.env[overrideVariables[component]]) continue;
        if (component === 'felix' && versions.calicoSources.has(version)) continue;
        buildRecipe(component, version, versions);
      }
      for (const { component, version } of targets) {
        const path =
          component === 'felix' && !versions.calicoGoModules.has(version) && !process.env[overrideVariables.felix]
            ? await ensureCalicoBinary(version, 'calico-felix', calicoSet, { signal, log, ...(repository ? { calicoRepository: repository } : {}) })
            : await ensureBinary(component, version, { signal, log });
        process.stdout.write(`${component} ${version} ${path}\n`);
      }
    } finally {
      root[Symbol.dispose]();
    }
    return 0;
  },
};
