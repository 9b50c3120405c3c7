// The kind provider's pins, read from versions.json (the one place versions live): the kind
// release, its node image (with digest), each Calico release's manifest URL and sha256, and the
// fixture image. Pure parsing; loadKindPins() reads the file.
import { readFileSync } from 'node:fs';
import { InputError } from '../../errors.ts';
import { versionsFile } from '../../upstream/versions.ts';

export interface ManifestPin {
  calicoVersion: string;
  /** The file in the release's manifests/ directory. */
  file: 'calico.yaml' | 'calico-vxlan.yaml';
  url: string;
  /** Lower-case hex; undefined while versions.json still has a TODO for it. */
  sha256: string | undefined;
  /** Pseudo-version of the release commit, when pinned: its Go module zip carries manifests/. */
  goModule: string | undefined;
}

export interface ImagePin {
  /** Repository and tag, e.g. registry.k8s.io/e2e-test-images/agnhost:2.63.0. */
  image: string;
  /** sha256:...; undefined while not pinned. */
  digest: string | undefined;
}

/** Inputs of the images built for kind without a registry (versions.json `kindImages`). */
export interface KindImagePins {
  debian: { suite: string; mirror: string };
  containerd: { version: string; commit: string };
  runc: string;
  crictl: string;
  cniPlugins: string;
  coredns: string;
  /** The sandbox image tag kind's containerd config names (registry.k8s.io/pause:<tag>). */
  pause: string;
  /** kubeadm's etcd image tag (registry.k8s.io/etcd:<tag>). */
  etcdImageTag: string;
}

export interface KindPins {
  kind: string;
  actionlint: string;
  /** kindest/node:<k8s>@sha256:<digest> */
  nodeImage: string;
  calicoDefault: string;
  manifests: Map<string, ManifestPin>;
  /** Calico's calico-vxlan.yaml per release: VXLAN, no BIRD (what locally built images run). */
  vxlanManifests: Map<string, ManifestPin>;
  agnhost: ImagePin;
  images: KindImagePins;
}

const sha256Pattern = /^[0-9a-f]{64}$/;
const digestPattern = /^sha256:[0-9a-f]{64}$/;

export function loadKindPins(file = versionsFile): KindPins {
  return parseKindPins(JSON.parse(readFileSync(file, 'utf8')) as unknown, file);
}

export function parseKindPins(raw: unknown, file = 'versions.json'): KindPins {
  const fail = (what: string): never => {
    throw new InputError(`${file}: ${what}`);
  };
  const obj = (v: unknown, at: string): Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : fail(`${at} must be an object`);
  const str = (v: unknown, at: string, pattern?: RegExp): string =>
    typeof v === 'string' && (!pattern || pattern.test(v)) ? v : fail(`${at} is ${JSON.stringify(v)}, expected ${pattern ?? 'a string'}`);
  const optional = (v: unknown, at: string, pattern: RegExp): string | undefined => (v === null || v === undefined ? undefined : str(v, at, pattern));

  const root = obj(raw, '$');
  const calico = obj(root.calico, '$.calico');
  const manifests = new Map<string, ManifestPin>();
  const vxlanManifests = new Map<string, ManifestPin>();
  for (const [version, entry] of Object.entries(obj(calico.versions, '$.calico.versions'))) {
    const at = `$.calico.versions.${version}`;
    const e = obj(entry, at);
    const goModules = e.goModules === undefined ? undefined : obj(e.goModules, `${at}.goModules`);
    for (const [key, into, file] of [
      ['manifest', manifests, 'calico.yaml'],
      ['vxlanManifest', vxlanManifests, 'calico-vxlan.yaml'],
    ] as const) {
      if (e[key] === undefined) continue;
      const m = obj(e[key], `${at}.${key}`);
      into.set(version, {
        calicoVersion: version,
        file,
        url: str(m.url, `${at}.${key}.url`, /^https:\/\//),
        sha256: optional(m.sha256, `${at}.${key}.sha256`, sha256Pattern),
        goModule: goModules ? str(goModules.calico, `${at}.goModules.calico`) : undefined,
      });
    }
  }
  const ki = obj(root.kindImages, '$.kindImages');
  const kiVersion = (v: unknown, at: string): string => str(v, `$.kindImages.${at}`, /^v?\d+\.\d+(\.\d+)?(-\d+)?$/);
  const debian = obj(ki.debian, '$.kindImages.debian');
  const containerd = obj(ki.containerd, '$.kindImages.containerd');
  const images: KindImagePins = {
    debian: { suite: str(debian.suite, '$.kindImages.debian.suite', /^[a-z]+$/), mirror: str(debian.mirror, '$.kindImages.debian.mirror', /^https?:\/\//) },
    containerd: { version: kiVersion(containerd.version, 'containerd.version'), commit: str(containerd.commit, '$.kindImages.containerd.commit', /^[0-9a-f]{40}$/) },
    runc: kiVersion(ki.runc, 'runc'),
    crictl: kiVersion(ki.crictl, 'crictl'),
    cniPlugins: kiVersion(ki.cniPlugins, 'cniPlugins'),
    coredns: kiVersion(ki.coredns, 'coredns'),
    pause: kiVersion(ki.pause, 'pause'),
    etcdImageTag: kiVersion(ki.etcdImageTag, 'etcdImageTag'),
  };
  const fixtures = obj(root.fixtureImages, '$.fixtureImages');
  const agnhost = obj(fixtures.agnhost, '$.fixtureImages.agnhost');
  return {
    kind: str(root.kind, '$.kind', /^v\d+\.\d+\.\d+$/),
    actionlint: str(root.actionlint, '$.actionlint', /^v\d+\.\d+\.\d+$/),
    nodeImage: str(root.kindNodeImage, '$.kindNodeImage', /^[^@\s]+:v\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/),
    calicoDefault: str(calico.default, '$.calico.default'),
    manifests,
    vxlanManifests,
    images,
    agnhost: {
      image: str(agnhost.image, '$.fixtureImages.agnhost.image', /^[^@\s]+:[\w.-]+$/),
      digest: optional(agnhost.digest, '$.fixtureImages.agnhost.digest', digestPattern),
    },
  };
}

/** The manifest pin for a Calico release, or an InputError listing the releases that have one. */
export function manifestPin(pins: KindPins, calicoVersion: string): ManifestPin {
  const pin = pins.manifests.get(calicoVersion);
  if (pin) return pin;
  throw new InputError(
    `Calico ${calicoVersion} has no manifest pin in versions.json (pinned: ${[...pins.manifests.keys()].join(', ') || 'none'}); ` +
      `add calico.versions["${calicoVersion}"].manifest {url, sha256}`,
  );
}
