// Names and addresses of a netns cluster: pure, so they are unit-tested and `clean` can
// recognise every resource a run made.
//
// Layout (all inside network namespaces the run creates; the host namespace gets nothing):
//   <prefix>-cp       control plane: bridge <prefix>-br 10.99.0.1/24, etcd on 127.0.0.1,
//                     kube-apiserver on :6443. Reached from the host through a loopback relay.
//   <prefix>-node-<i> one per node: eth0 10.99.0.(10+i)/24 on the bridge, felix, and the host
//                     side (cali*) of its pods' veths; routes to the other nodes' pod blocks.
//   <prefix>-p-<n>    one per pod: eth0 with 192.168.<node>.<k>/32, wired like Calico's CNI.
//   <prefix>-x-<k>    external hosts: eth0 10.99.0.(200+k)/24 on the bridge, routes to each
//                     node's pod block via that node (what a BGP-peered router would learn).
// Dual-stack (the default) adds an IPv6 twin of each address: nodes fd00:10:99::(10+i)/64,
// external hosts fd00:10:99::(200+k)/64, pods fd00:192:168:<node>::<k+2>/128 in node blocks
// fd00:192:168:<node>::/64 (unique local addresses, like the IPv4 side's private ranges).
import { createHash } from 'node:crypto';

/** Every resource name of a run starts with this: "nc" + 6 hex digits + "-". */
export const resourcePattern = /^nc[0-9a-f]{6}-/;

export function resourcePrefix(runId: string): string {
  if (/^nc[0-9a-f]{6}$/.test(runId)) return runId;
  return `nc${createHash('sha1').update(runId).digest('hex').slice(0, 6)}`;
}

export const nodeNetwork = {
  prefixLength: 24,
  /** The control-plane namespace's bridge address, where kube-apiserver listens. */
  apiServerIp: '10.99.0.1',
  apiServerPort: 6443,
} as const;

export const podNetwork = { cidr: '192.168.0.0/16', cidr6: 'fd00:192:168::/48' } as const;

/** Nodes take 10.99.0.10-19; external hosts the rest of the node network above them. */
export const maxNodes = 10;

export function nodeIp(index: number): string {
  if (index >= maxNodes) throw new Error(`at most ${maxNodes} nodes per netns cluster (10.99.0.10-19)`);
  return `10.99.0.${10 + index}`;
}

/**
 * External host k's last address byte: 200-254 first, then 20-199. A cluster never gives a
 * deleted host's address to a new one (the nodes would still know its old MAC), so a long-lived
 * cluster (the bench runs the catalog several times on one) needs many: 235 in all.
 */
function externalHostOctet(index: number): number {
  if (index < 0 || index >= maxExternalHosts) throw new Error(`at most ${maxExternalHosts} external hosts per netns cluster (10.99.0.20-254)`);
  return index < 55 ? 200 + index : 20 + (index - 55);
}

export const maxExternalHosts = 235;

export function externalHostIp(index: number): string {
  return `10.99.0.${externalHostOctet(index)}`;
}

/** Node i's pod block, 192.168.i.0/24. */
export function podBlock(nodeIndex: number): string {
  return `192.168.${nodeIndex}.0/24`;
}

/** The last k podIp takes: 192.168.<i>.254. */
export const maxPodAddress = 252;

/** The k-th pod address (k from 0) in node i's block; .0 and .1 stay unused. */
export function podIp(nodeIndex: number, k: number): string {
  if (k > maxPodAddress) throw new Error(`node ${nodeIndex} has no pod addresses left`);
  return `192.168.${nodeIndex}.${k + 2}`;
}

/** The node network's IPv6 prefix length (nodes and external hosts share one link). */
export const nodeNetwork6 = { prefixLength: 64 } as const;

export function nodeIp6(index: number): string {
  return `fd00:10:99::${10 + index}`;
}

/** External host k's IPv6 address, beside its IPv4 one (the IPv4 range sets the limit). */
export function externalHostIp6(index: number): string {
  return `fd00:10:99::${externalHostOctet(index)}`;
}

/** Node i's IPv6 pod block, fd00:192:168:i::/64. */
export function podBlock6(nodeIndex: number): string {
  return `fd00:192:168:${nodeIndex}::/64`;
}

/** The k-th pod's IPv6 address in node i's block: the same k as its IPv4 address. */
export function podIp6(nodeIndex: number, k: number): string {
  if (k > 252) throw new Error(`node ${nodeIndex} has no pod addresses left`);
  return `fd00:192:168:${nodeIndex}::${k + 2}`;
}

/** The MAC Calico's CNI plugin gives the host side of every pod's veth. */
export const hostSideMac = 'ee:ee:ee:ee:ee:ee';

/**
 * The pods' IPv6 gateway: the EUI-64 link-local address the host side gets from its MAC
 * (Calico's hostSideMACAsIPv6LL, cni-plugin/pkg/dataplane/linux/dataplane_linux.go), so the
 * route exists before the kernel has even assigned it.
 */
export const podGateway6 = eui64LinkLocal(hostSideMac);

/** fe80:: + the MAC with ff:fe in the middle and the universal/local bit flipped (RFC 4291). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  if (b.length !== 6 || b.some((x) => !(x >= 0 && x <= 255))) throw new Error(`not a MAC address: ${mac}`);
  const bytes = [b[0]! ^ 0x02, b[1]!, b[2]!, 0xff, 0xfe, b[3]!, b[4]!, b[5]!];
  const groups = [0, 2, 4, 6].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return `fe80::${groups.join(':')}`;
}


export function nodeName(index: number): string {
  return `node-${index}`;
}

export interface RunNames {
  prefix: string;
  controlPlane: string;
  bridge: string;
  node(index: number): string;
  /** The bridge-side veth of node i or of external host k, in the control-plane namespace. */
  nodeUplink(index: number): string;
  externalUplink(index: number): string;
  pod(serial: number): string;
  external(index: number): string;
}

export function runNames(runId: string): RunNames {
  const prefix = resourcePrefix(runId);
  return {
    prefix,
    controlPlane: `${prefix}-cp`,
    bridge: `${prefix}-br`,
    node: (i) => `${prefix}-node-${i}`,
    nodeUplink: (i) => `${prefix}-n${i}`,
    externalUplink: (k) => `${prefix}-x${k}`,
    pod: (n) => `${prefix}-p-${n}`,
    external: (k) => `${prefix}-x-${k}`,
  };
}

/** The host-side interface Calico's CNI plugin names for a pod (one definition, in lib/counters). */
export { workloadInterfaceName } from '../../counters/interface-name.ts';
