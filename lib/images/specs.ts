// What each image built for kind without a registry contains: pure, from the pins and the paths
// of the binaries and upstream files. The layouts follow the images they stand in for:
// - the kind node: kind@v0.32.0/images/base/Dockerfile and pkg/build/nodeimage (binaries,
//   files, systemd units, /kind/version; images preloaded by lib/images/build.ts);
// - control-plane, etcd, CoreDNS, pause: what kubeadm v1.36.1 runs them as
//   (cmd/kubeadm/app/phases/*/manifests.go: bare command names on PATH, CoreDNS's /coredns);
// - kube-proxy: k8s build/server-image and distroless-iptables (iptables, nft, ipset, conntrack);
// - calico/node, calico/cni, calico/kube-controllers: the release's node/Dockerfile,
//   cni-plugin/Dockerfile and kube-controllers/Dockerfile (binaries, node/filesystem, entrypoints);
// - the fixture: agnhost's Dockerfile (ENTRYPOINT /agnhost) with nc, curl and ping.
import { join } from 'node:path';
import type { KindImagePins } from '../cluster/kind/pins.ts';

export type RootfsKind = { kind: 'empty' } | { kind: 'static' } | { kind: 'debian'; packages: string[] };

export interface ImageSpec {
  /** Short name used in progress, reports and the cache. */
  name: string;
  /** The tag pods and kind refer to. */
  ref: string;
  alsoTag?: string[];
  rootfs: RootfsKind;
  /** Host files copied in (`to` is absolute inside the image). */
  files: { from: string; to: string; mode: number }[];
  /** Host directories copied in recursively. */
  trees?: { from: string; to: string }[];
  dirs?: { path: string; mode?: number; owner?: number }[];
  links?: { path: string; target: string }[];
  writes?: { path: string; content: string; mode?: number }[];
  /** Commands run inside a Debian rootfs after its packages, before the files go in. */
  prepare?: string[][];
  /** Commands run inside the finished rootfs (Debian ones), like a Dockerfile RUN. */
  run?: string[][];
  config: { env?: Record<string, string>; entrypoint?: string[]; cmd?: string[]; user?: string; workdir?: string; stopSignal?: string };
}

export const defaultPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where the built binaries are (absolute paths), keyed as the builders name them. */
export interface ImageInputs {
  kubernetes: string;
  pins: KindImagePins;
  /** kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kubelet, kubeadm, kubectl, etcd, agnhost. */
  k8s: Record<string, string>;
  /** containerd, ctr, containerd-shim-runc-v2, runc, crictl, host-local, loopback, ptp, portmap, tuning, coredns, pause. */
  tools: Record<string, string>;
  /** kind's images/base/files directory (from the kind module). */
  kindBaseFiles: string;
  /** kind's base files, listed (relative paths), so the plan stays pure. */
  kindBaseFileList: string[];
  /** The agnhost porter's TLS pair, from the Kubernetes module. */
  agnhostFiles: { crt: string; key: string };
  /** ctr oci spec, as kind's base image turns it into /etc/containerd/cri-base.json. */
  criBaseJson: string;
}

export interface CalicoImageInputs {
  version: string;
  /** The cache entry of the Calico build: binaries, node-filesystem/, manifests/. */
  dir: string;
  /** Image repository prefix the release's manifest names (quay.io/calico for v3.31+). */
  registry: string;
  tools: Record<string, string>;
}

const bin = (from: string, to: string): { from: string; to: string; mode: number } => ({ from, to, mode: 0o755 });

/** The Kubernetes images kubeadm pulls (static pods, kube-proxy, CoreDNS) and the sandbox image. */
export function kubernetesImageSpecs(inputs: ImageInputs): ImageSpec[] {
  const v = inputs.kubernetes;
  const env = { PATH: defaultPath };
  const controlPlane = (name: string): ImageSpec => ({
    name,
    ref: `registry.k8s.io/${name}:${v}`,
    rootfs: { kind: 'static' },
    files: [bin(need(inputs.k8s, name), `/usr/local/bin/${name}`)],
    config: { env },
  });
  return [
    controlPlane('kube-apiserver'),
    controlPlane('kube-controller-manager'),
    controlPlane('kube-scheduler'),
    {
      name: 'kube-proxy',
      ref: `registry.k8s.io/kube-proxy:${v}`,
      rootfs: { kind: 'debian', packages: ['iptables', 'nftables', 'ipset', 'kmod', 'conntrack'] },
      files: [bin(need(inputs.k8s, 'kube-proxy'), '/usr/local/bin/kube-proxy')],
      // The node (kind's entrypoint select_iptables) follows this host's backend, nft; the
      // official image's iptables-wrapper would pick the same.
      run: [
        ['update-alternatives', '--set', 'iptables', '/usr/sbin/iptables-nft'],
        ['update-alternatives', '--set', 'ip6tables', '/usr/sbin/ip6tables-nft'],
      ],
      config: { env },
    },
    {
      name: 'etcd',
      ref: `registry.k8s.io/etcd:${inputs.pins.etcdImageTag}`,
      rootfs: { kind: 'static' },
      files: [bin(need(inputs.k8s, 'etcd'), '/usr/local/bin/etcd')],
      config: { env },
    },
    {
      name: 'coredns',
      ref: `registry.k8s.io/coredns/coredns:${inputs.pins.coredns}`,
      rootfs: { kind: 'static' },
      files: [bin(need(inputs.tools, 'coredns'), '/coredns')],
      config: { env, entrypoint: ['/coredns'] },
    },
    {
      name: 'pause',
      ref: `registry.k8s.io/pause:${inputs.pins.pause}`,
      rootfs: { kind: 'empty' },
      files: [bin(need(inputs.tools, 'pause'), '/pause')],
      config: { entrypoint: ['/pause'], user: '65535:65535' },
    },
  ];
}

/** Debian packages of kind's base image (images/base/Dockerfile clean-install), less the ones
 * only rootless and storage tests use (fuse-overlayfs, nfs-common, open-iscsi). */
export const kindBasePackages = [
  'systemd',
  'conntrack',
  'iptables',
  'nftables',
  'iproute2',
  'ethtool',
  'util-linux',
  'mount',
  'kmod',
  'libseccomp2',
  'pigz',
  'e2fsprogs',
  'bash',
  'ca-certificates',
  'curl',
  'jq',
  'procps',
];

/** The node image's root filesystem: kind's base plus kubelet, kubeadm, kubectl (its images are
 * preloaded into containerd afterwards). */
export function kindNodeRootfsSpec(inputs: ImageInputs): ImageSpec {
  const files = inputs.kindBaseFileList.map((rel) => ({
    from: join(inputs.kindBaseFiles, rel),
    to: `/${rel}`,
    mode: rel.startsWith('usr/local/bin/') || rel.startsWith('kind/bin/') ? 0o755 : 0o644,
  }));
  const t = inputs.tools;
  return {
    name: 'kind-node-rootfs',
    ref: `netpol-conformance/kind-node-rootfs:${inputs.kubernetes}`,
    rootfs: { kind: 'debian', packages: kindBasePackages },
    files: [
      ...files,
      bin(need(t, 'containerd'), '/usr/local/bin/containerd'),
      bin(need(t, 'ctr'), '/usr/local/bin/ctr'),
      bin(need(t, 'containerd-shim-runc-v2'), '/usr/local/bin/containerd-shim-runc-v2'),
      bin(need(t, 'crictl'), '/usr/local/bin/crictl'),
      bin(need(t, 'runc'), '/usr/local/sbin/runc'),
      ...['host-local', 'loopback', 'ptp', 'portmap'].map((p) => bin(need(t, p), `/opt/cni/bin/${p}`)),
      bin(need(inputs.k8s, 'kubelet'), '/usr/bin/kubelet'),
      bin(need(inputs.k8s, 'kubeadm'), '/usr/bin/kubeadm'),
      bin(need(inputs.k8s, 'kubectl'), '/usr/bin/kubectl'),
    ],
    dirs: [{ path: '/etc/kubernetes/manifests' }, { path: '/kind/bin', mode: 0o755 }, { path: '/kind', mode: 0o755 }],
    writes: [
      { path: '/etc/containerd/cri-base.json', content: inputs.criBaseJson },
      // kind's nodeutils.KubeVersion reads exactly one line.
      { path: '/kind/version', content: inputs.kubernetes },
    ],
    links: [{ path: '/sbin/init', target: '/usr/lib/systemd/systemd' }],
    run: [
      ['sh', '-c', [
        'find /lib/systemd/system/sysinit.target.wants/ -name systemd-tmpfiles-setup.service -delete',
        'rm -f /lib/systemd/system/multi-user.target.wants/* /etc/systemd/system/*.wants/* /lib/systemd/system/local-fs.target.wants/*',
        'rm -f /lib/systemd/system/sockets.target.wants/*udev* /lib/systemd/system/sockets.target.wants/*initctl* /lib/systemd/system/basic.target.wants/*',
        'echo ReadKMsg=no >> /etc/systemd/journald.conf',
        'systemctl enable kubelet.service containerd.service undo-mount-hacks.service',
        'systemctl mask systemd-binfmt.service',
      ].join(' && ')],
    ],
    config: { env: { container: 'docker', PATH: defaultPath }, stopSignal: 'SIGRTMIN+3', entrypoint: ['/usr/local/bin/entrypoint', '/sbin/init'] },
  };
}

/** The kind node image: the rootfs image with these preloaded into containerd's k8s.io namespace. */
export function nodeImageRef(kubernetes: string): string {
  return `netpol-conformance/kind-node:${kubernetes}`;
}

/** agnhost with the probe programs the harness runs in fixture pods and external hosts. */
export function fixtureImageSpec(inputs: ImageInputs, ref: string): ImageSpec {
  return {
    name: 'fixture',
    ref,
    rootfs: { kind: 'debian', packages: ['netcat-openbsd', 'curl', 'iputils-ping', 'iproute2'] },
    files: [
      bin(need(inputs.k8s, 'agnhost'), '/agnhost'),
      { from: inputs.agnhostFiles.crt, to: '/localhost.crt', mode: 0o644 },
      { from: inputs.agnhostFiles.key, to: '/localhost.key', mode: 0o644 },
    ],
    config: { env: { PATH: defaultPath }, entrypoint: ['/agnhost'], cmd: ['pause'] },
  };
}

/** calico/node, calico/cni and calico/kube-controllers of one Calico build. */
export function calicoImageSpecs(c: CalicoImageInputs): ImageSpec[] {
  const f = (name: string): string => join(c.dir, name);
  return [
    {
      name: `calico-node-${c.version}`,
      ref: `${c.registry}/node:${c.version}`,
      // runit supervises felix and node-services as in Calico's image (start_runit); no BIRD:
      // locally built images run Calico's VXLAN manifest.
      rootfs: { kind: 'debian', packages: ['iptables', 'ipset', 'nftables', 'conntrack', 'iproute2', 'kmod', 'procps', 'runit', 'net-tools'] },
      files: [bin(f('calico-node'), '/bin/calico-node')],
      trees: [
        { from: join(c.dir, 'node-filesystem', 'etc'), to: '/etc' },
        { from: join(c.dir, 'node-filesystem', 'sbin'), to: '/usr/sbin' },
      ],
      // Debian's runit makes /etc/service a link into /etc/runit; Calico's image has a directory.
      prepare: [['sh', '-c', 'rm -f /etc/service && mkdir -p /etc/service']],
      config: { env: { SVDIR: '/etc/service/enabled', PATH: defaultPath }, cmd: ['start_runit'] },
    },
    {
      name: `calico-cni-${c.version}`,
      ref: `${c.registry}/cni:${c.version}`,
      rootfs: { kind: 'static' },
      files: [
        bin(f('install'), '/opt/cni/bin/install'),
        bin(f('calico'), '/opt/cni/bin/calico'),
        bin(f('calico'), '/opt/cni/bin/calico-ipam'),
        ...['host-local', 'loopback', 'portmap', 'tuning'].map((p) => bin(need(c.tools, p), `/opt/cni/bin/${p}`)),
      ],
      config: { env: { PATH: `/opt/cni/bin:${defaultPath}` }, workdir: '/opt/cni/bin', cmd: ['/opt/cni/bin/install'] },
    },
    {
      name: `calico-kube-controllers-${c.version}`,
      ref: `${c.registry}/kube-controllers:${c.version}`,
      rootfs: { kind: 'static' },
      files: [bin(f('kube-controllers'), '/usr/bin/kube-controllers'), bin(f('check-status'), '/usr/bin/check-status'), bin(f('wrapper'), '/usr/bin/wrapper')],
      dirs: [
        { path: '/status', owner: 999 },
        { path: '/profiles', owner: 999 },
      ],
      writes: [
        { path: '/status/status.json', content: '' },
        { path: '/profiles/mem.pprof', content: '' },
        { path: '/profiles/cpu.pprof', content: '' },
      ],
      config: { env: { PATH: defaultPath }, user: '999', entrypoint: ['/usr/bin/wrapper', '/usr/bin/kube-controllers'] },
    },
  ];
}

function need(map: Record<string, string>, key: string): string {
  const value = map[key];
  if (value === undefined) throw new Error(`image plan: no path for ${key}`);
  return value;
}
