// What Calico needs in the datastore before felix can run (as calico-node's startup and
// libcalico-go's EnsureInitialized would create it), and felix itself, one per node namespace.
// Model: felix/fv/infrastructure/infra_k8s.go and felix.go in projectcalico/calico.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { InfrastructureError } from '../../errors.ts';
import type { KubeClient, KubeObject, WaitOptions } from '../../kube/client.ts';
import { poll, retryHealable } from '../../lifecycle/index.ts';
import type { Dataplane } from '../provider.ts';
import { execInNetns, netnsArgv } from './ip.ts';
import type { Supervisor, SupervisedProcess } from './processes.ts';
import { nodeIp, nodeNetwork, podBlock, podNetwork } from './topology.ts';

const calicoApi = 'crd.projectcalico.org/v1';

/** Read every CRD manifest in Calico's CRD directory. */
export async function readCrds(dir: string): Promise<KubeObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  const crds = new Map<string, KubeObject>();
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(dir, file), 'utf8'))) {
      const object = doc.toJS() as KubeObject | null;
      // The variants of a release's manifest (calico.yaml, calico-vxlan.yaml) carry the same CRDs.
      if (object?.kind === 'CustomResourceDefinition') crds.set(object.metadata.name, object);
    }
  }
  if (crds.size === 0) throw new InfrastructureError(`no CustomResourceDefinitions in ${dir}`);
  return [...crds.values()];
}

export async function applyCrds(kube: KubeClient, crds: KubeObject[], wait: WaitOptions): Promise<void> {
  await Promise.all(crds.map((crd) => kube.apply(crd)));
  await kube.waitCrdsEstablished(
    crds.map((c) => c.metadata.name),
    wait,
  );
}

/** ClusterInformation (datastoreReady), the tiers EnsureInitialized makes, the IPv4 pool and Node objects. */
export function calicoBootstrapObjects(calicoVersion: string, nodeCount: number): KubeObject[] {
  const tier = (name: string, order: number, defaultAction: 'Deny' | 'Pass'): KubeObject => ({
    apiVersion: calicoApi,
    kind: 'Tier',
    metadata: { name },
    spec: { order, defaultAction },
  });
  const nodes: KubeObject[] = Array.from({ length: nodeCount }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: `node-${i}`,
      labels: { 'kubernetes.io/hostname': `node-${i}`, 'kubernetes.io/os': 'linux' },
      annotations: { 'projectcalico.org/IPv4Address': `${nodeIp(i)}/${nodeNetwork.prefixLength}` },
    },
    spec: { podCIDRs: [podBlock(i)], podCIDR: podBlock(i) },
  }));
  return [
    {
      apiVersion: calicoApi,
      kind: 'ClusterInformation',
      metadata: { name: 'default' },
      spec: {
        clusterGUID: randomBytes(16).toString('hex'),
        calicoVersion,
        clusterType: 'k8s,kdd',
        datastoreReady: true,
      },
    },
    tier('default', 1_000_000, 'Deny'),
    tier('adminnetworkpolicy', 1_000, 'Pass'),
    tier('baselineadminnetworkpolicy', 10_000_000, 'Pass'),
    {
      apiVersion: calicoApi,
      kind: 'IPPool',
      metadata: { name: 'default-ipv4-ippool' },
      // No encapsulation and no NAT: nodes route pod blocks to each other directly, and external
      // hosts have routes back to the pod network, as with BGP.
      spec: { cidr: podNetwork.cidr, ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false, blockSize: 26, nodeSelector: 'all()' },
    },
    ...nodes,
  ];
}

export function nodeStatus(index: number): Record<string, unknown> {
  return {
    addresses: [
      { type: 'InternalIP', address: nodeIp(index) },
      { type: 'Hostname', address: `node-${index}` },
    ],
    conditions: [{ type: 'Ready', status: 'True', reason: 'NetnsNode', message: 'felix runs in the node namespace', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
  };
}

export function felixDataplaneEnv(dataplane: Dataplane): Record<string, string> {
  switch (dataplane) {
    case 'iptables-nft':
      return { FELIX_IPTABLESBACKEND: 'NFT', FELIX_NFTABLESMODE: 'Disabled' };
    case 'iptables-legacy':
      return { FELIX_IPTABLESBACKEND: 'Legacy', FELIX_NFTABLESMODE: 'Disabled' };
    case 'nftables':
      return { FELIX_NFTABLESMODE: 'Enabled' };
  }
}

export const felixHealthPort = 9099;

export interface FelixSpec {
  binary: string;
  nodeIndex: number;
  netns: string;
  kubeconfig: string;
  dataplane: Dataplane;
  /** FelixConfiguration field names -> values, passed as FELIX_<NAME> (felix matches them case-insensitively). */
  settings: Record<string, string>;
  stateDir: string;
}

export async function startFelix(supervisor: Supervisor, spec: FelixSpec): Promise<SupervisedProcess> {
  const statusDir = join(spec.stateDir, 'endpoint-status');
  await mkdir(statusDir, { recursive: true });
  const extra = Object.fromEntries(Object.entries(spec.settings).map(([k, v]) => [`FELIX_${k.toUpperCase()}`, v]));
  return supervisor.start({
    name: `felix-node-${spec.nodeIndex}`,
    argv: netnsArgv(spec.netns, [spec.binary]),
    env: {
      KUBECONFIG: spec.kubeconfig,
      FELIX_DATASTORETYPE: 'kubernetes',
      FELIX_FELIXHOSTNAME: `node-${spec.nodeIndex}`,
      FELIX_HEALTHENABLED: 'true',
      FELIX_HEALTHHOST: '127.0.0.1',
      FELIX_HEALTHPORT: String(felixHealthPort),
      FELIX_USAGEREPORTINGENABLED: 'false',
      FELIX_BPFENABLED: 'false',
      FELIX_XDPENABLED: 'false',
      FELIX_IPV6SUPPORT: 'false',
      // Built with CGO_ENABLED=0: without this felix panics cleaning up BPF connect-time LB state.
      FELIX_DebugSkipCTLBCleanup: 'true',
      FELIX_LOGFILEPATH: 'none',
      FELIX_LOGSEVERITYSYS: 'none',
      FELIX_LOGSEVERITYSCREEN: 'info',
      // Two felixes share one filesystem: keep their per-endpoint status files apart.
      FELIX_ENDPOINTSTATUSPATHPREFIX: statusDir,
      ...felixDataplaneEnv(spec.dataplane),
      ...extra,
    },
  });
}

/** Wait for felix's readiness endpoint (in sync with the datastore, dataplane programmed). */
export async function waitFelixReady(supervisor: Supervisor, netns: string, wait: WaitOptions): Promise<void> {
  await poll(`felix readiness in ${netns}`, { retryIf: retryHealable, intervalMs: 250, failFast: () => supervisor.assertHealthy(), ...wait }, async () => {
    const result = await execInNetns(netns, ['curl', '-sf', '-m', '1', `http://127.0.0.1:${felixHealthPort}/readiness`], {
      timeoutMs: 3_000,
    });
    return result.exitCode === 0 ? true : undefined;
  });
}
