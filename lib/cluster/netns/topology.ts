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

export const podNetwork = { cidr: '192.168.0.0/16' } as const;

export function nodeIp(index: number): string {
  return `10.99.0.${10 + index}`;
}

export function externalHostIp(index: number): string {
  if (index > 54) throw new Error('at most 55 external hosts per run (10.99.0.200-254)');
  return `10.99.0.${200 + index}`;
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
