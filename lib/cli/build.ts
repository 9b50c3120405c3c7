// `netpol-conformance build`: make sure the upstream binaries the netns provider runs exist,
// building each from its pinned Go module into the cache on first use.
import { InputError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { ensureBinary, loadVersions, overrideVariables, type Component } from '../upstream/index.ts';
import { buildRecipe } from '../upstream/recipes.ts';
import { defaultCalico } from '../run/options.ts';
import { parseArgs, type Command } from './main.ts';

interface Target {
  component: Component;
  version: string;
}

/** Pure: which binaries a build invocation ensures, in the order to build them. */
export function planBuild(
  flags: { calico?: string; all?: boolean },
  versions: { kubernetes: string; etcd: string; calicoDefault: string; pinnedCalico: string[] },
): Target[] {
  const requested = (flags.calico ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
  const calico = requested.length > 0 ? requested : flags.all ? versions.pinnedCalico : [versions.calicoDefault];
  const targets: Target[] = [
    { component: 'kube-apiserver', version: versions.kubernetes },
    { component: 'etcd', version: versions.etcd },
    ...calico.map((version): Target => ({ component: 'felix', version })),
  ];
  if (flags.all) targets.push({ component: 'agnhost', version: versions.kubernetes });
  return targets;
}

export const command: Command = {
  summary: 'build and cache the upstream binaries the netns provider needs',
  usage: [
    'usage: netpol-conformance build [--calico <release>[,<release>...]] [--all]',
    '',
    'Ensures kube-apiserver, etcd and calico-felix (and with --all, agnhost and felix for every',
    'Calico release whose Go modules versions.json pins) exist in the cache, building each from its',
    'pinned Go module under clusters/netns/upstream on first use. Prints "<component> <version> <path>".',
    '',
    '  --calico LIST  Calico releases to build felix for (default: what the netns provider runs)',
    '  --all          everything: every pinned Calico release, and agnhost',
    '',
    'Cache: $NETPOL_CONFORMANCE_CACHE or ${XDG_CACHE_HOME:-~/.cache}/netpol-conformance.',
    'Use existing binaries instead: NETPOL_KUBE_APISERVER, NETPOL_ETCD, NETPOL_FELIX, NETPOL_AGNHOST.',
  ].join('\n'),
  async run(args) {
    const { flags, positionals } = parseArgs(args, { booleans: ['all'], strings: ['calico'] });
    if (positionals.length > 0) throw new InputError(`unexpected argument ${positionals[0]}; see --help`);
    const log = createLogger('build');
    const versions = loadVersions();
    const pinnedCalico = [...versions.calicoGoModules.keys()];
    const unpinned = versions.calicoReleases.filter((r) => !versions.calicoGoModules.has(r));
    const targets = planBuild(
      { ...(typeof flags.calico === 'string' ? { calico: flags.calico } : {}), all: flags.all === true },
      // Without --calico, felix for the Calico the netns provider runs by default.
      { ...versions, calicoDefault: defaultCalico('netns', versions), pinnedCalico },
    );
    if (flags.all === true && flags.calico === undefined && unpinned.length > 0) {
      log.warn(`no felix for Calico ${unpinned.join(', ')}: versions.json has no goModules pins for them`);
    }
    // Refuse an unpinned version before spending minutes building the others.
    for (const { component, version } of targets) {
      if (!process.env[overrideVariables[component]]) buildRecipe(component, version, versions);
    }
    const root = createRootSignal({ log });
    try {
      for (const { component, version } of targets) {
        const path = await ensureBinary(component, version, { signal: root.signal, log });
        process.stdout.write(`${component} ${version} ${path}\n`);
      }
    } finally {
      root[Symbol.dispose]();
    }
    return 0;
  },
};
