// The kind cluster config, generated from options. Pure; the generated YAML is checked against
// kind's own loader and Validate() in suites/kind-provider.spec.ts.
import { stringify } from 'yaml';
import { InputError } from '../../errors.ts';
import type { Dataplane } from '../provider.ts';

export type KubeProxyMode = 'iptables' | 'nftables' | 'ipvs';

/** Kubernetes node label carrying the run id, so nodes (and `clean`) can tell whose they are. */
export const runIdNodeLabel = 'netpol-conformance.io/run-id';

export interface KindConfigOptions {
  clusterName: string;
  runId: string;
  /** kindest/node:<version>@sha256:<digest> */
  nodeImage: string;
  /** Worker nodes beside the control plane (default 1: fixtures go to both nodes). */
  workers?: number;
  kubeProxyMode: KubeProxyMode;
  /** Default 192.168.0.0/16: Calico's manifest's default IPv4 pool. */
  podSubnet?: string;
  /** `dual`: IPv4 and IPv6 pods (kind's networking.ipFamily); default `ipv4`. */
  ipFamily?: 'ipv4' | 'dual';
  /** The IPv6 pod subnet of a dual-stack cluster (default defaultPodSubnet6), Calico's IPv6 pool. */
  podSubnet6?: string;
  /** Containerd registry mirror endpoint for every registry (e.g. http://registry.local:5000). */
  containerdMirror?: string;
  /** kubeadm config patches (e.g. the host's adaptations, host.ts). */
  kubeadmConfigPatches?: string[];
  /** containerd config patches (TOML; kind merges each into the node's config.toml). */
  containerdConfigPatches?: string[];
}

/**
 * The IPv6 pod subnet of a dual-stack kind cluster: kind's own default (fd00:10:244::/56), so
 * kube-controller-manager's per-node /64s and Calico's IPv6 pool (CALICO_IPV6POOL_CIDR) agree.
 */
export const defaultPodSubnet6 = 'fd00:10:244::/56';

// kind prefixes and suffixes the cluster name into container and network names: keep it short.
const maxClusterName = 40;

/** `nc-<runId>`, lower-cased, with anything kind rejects replaced. */
export function kindClusterName(runId: string): string {
  const name = `nc-${runId.toLowerCase().replace(/[^a-z0-9.-]+/g, '-')}`.replace(/-+$/, '');
  if (name.length > maxClusterName) {
    throw new InputError(`run id ${JSON.stringify(runId)} gives kind cluster name ${name}, longer than ${maxClusterName} characters`);
  }
  return name;
}

/** kube-proxy follows the dataplane: nftables for Calico's nftables mode, iptables otherwise. */
export function kubeProxyModeFor(dataplane: Dataplane): KubeProxyMode {
  return dataplane === 'nftables' ? 'nftables' : 'iptables';
}

/** A Kubernetes label value: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends. */
export function labelValue(value: string): string {
  const v = value.replace(/[^A-Za-z0-9_.-]+/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return v || 'unknown';
}

export function kindConfig(options: KindConfigOptions): Record<string, unknown> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 0 || workers > 10) throw new InputError(`workers must be 0..10, got ${workers}`);
  const node = (role: 'control-plane' | 'worker'): Record<string, unknown> => ({
    role,
    image: options.nodeImage,
    labels: { [runIdNodeLabel]: labelValue(options.runId) },
  });
  const podSubnet = options.podSubnet ?? '192.168.0.0/16';
  const dual = options.ipFamily === 'dual';
  const config: Record<string, unknown> = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: options.clusterName,
    networking: {
      // Without this kindnet runs and enforces NetworkPolicy itself: the run would test kindnet.
      disableDefaultCNI: true,
      // Dual-stack: kind takes "<IPv4>,<IPv6>" and picks a dual service subnet itself.
      ...(dual ? { ipFamily: 'dual' } : {}),
      podSubnet: dual ? `${podSubnet},${options.podSubnet6 ?? defaultPodSubnet6}` : podSubnet,
      kubeProxyMode: options.kubeProxyMode,
    },
    nodes: [node('control-plane'), ...Array.from({ length: workers }, () => node('worker'))],
  };
  const containerd = [...(options.containerdConfigPatches ?? [])];
  if (options.containerdMirror) {
    containerd.push(['[plugins."io.containerd.grpc.v1.cri".registry.mirrors."*"]', `  endpoint = [${JSON.stringify(options.containerdMirror)}]`].join('\n'));
  }
  if (containerd.length > 0) config.containerdConfigPatches = containerd;
  if (options.kubeadmConfigPatches?.length) config.kubeadmConfigPatches = options.kubeadmConfigPatches;
  return config;
}

export function renderKindConfig(options: KindConfigOptions): string {
  return stringify(kindConfig(options), { lineWidth: 0 });
}
