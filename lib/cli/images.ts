// `netpol-conformance images`: build, from pinned inputs, the images a kind run needs without a
// registry (see lib/images/build.ts), and print each image's tag and ID.
import { excerpt, InputError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { loadVersions } from '../upstream/index.ts';
import { isKnownCalico } from '../run/options.ts';
import { commaList, expectPositionals } from './args.ts';
import type { Command } from './main.ts';

const options = { json: { type: 'boolean' }, calico: { type: 'string', multiple: true } } as const;

export const command: Command<typeof options> = {
  summary: 'build the kind node, Kubernetes, Calico and fixture images offline',
  usage: [
    'usage: netpol-conformance images [--calico <release>[,<release>...]] [--json]',
    '',
    'Builds, from the inputs versions.json pins (Go modules, the Calico source build, Debian',
    'packages), every image `run --provider kind` needs, into the local Docker: a kind node image',
    'for versions.json\'s Kubernetes (kubelet, kubeadm, kubectl; kube-apiserver,',
    'kube-controller-manager, kube-scheduler, kube-proxy, etcd, CoreDNS and pause preloaded in its',
    'containerd), calico/node, calico/cni and calico/kube-controllers tagged as the release\'s',
    'manifest names them, and the fixture image. Nothing is pulled. Images whose inputs did not',
    'change are kept (a warm run is a no-op). Needs root and Docker.',
    '',
    '  --calico LIST  Calico releases to build images for (default: versions.json\'s default); each',
    '                 must be built from source already or clonable (see build --calico-source)',
    '  --json         print the images manifest (tags, IDs, input hashes, Debian packages) as JSON',
  ].join('\n'),
  options,
  async run({ values, positionals }) {
    expectPositionals('images', positionals, 0, 0, 'no arguments');
    const versions = loadVersions();
    const requested = commaList(values.calico);
    if (values.calico !== undefined && requested.length === 0) throw new InputError('--calico needs at least one Calico release, e.g. --calico v3.32.1');
    const calicoVersions = requested.length > 0 ? requested : [versions.calicoDefault];
    for (const v of calicoVersions) {
      if (!isKnownCalico(v, versions)) throw new InputError(`unknown Calico version ${excerpt(v, 40)}; versions.json pins: ${versions.calicoReleases.join(', ')}`);
    }
    const log = createLogger('images');
    const root = createRootSignal({ log });
    try {
      const { buildImages } = await import('../images/build.ts');
      const started = Date.now();
      const manifest = await buildImages({ calicoVersions, signal: root.signal, log });
      if (values.json === true) {
        process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
        return 0;
      }
      const all = [manifest.node, ...manifest.kubernetesImages, manifest.fixture, ...calicoVersions.flatMap((v) => manifest.calico[v] ?? [])];
      for (const image of all) process.stdout.write(`${image.ref} ${image.id} ${image.built ? `built in ${image.seconds} s` : 'up to date'}\n`);
      process.stdout.write(`${all.length} images ready in ${Math.round((Date.now() - started) / 1000)} s\n`);
      return 0;
    } finally {
      root[Symbol.dispose]();
    }
  },
};
