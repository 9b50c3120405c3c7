// Installs Calico on a kind cluster from its pinned, verified manifest (through lib/kube) and
// waits until the cluster can run fixtures: calico-node on every node, calico-kube-controllers,
// CoreDNS and every node Ready. A timeout names what was not ready and carries the pods' status
// and the tail of their logs.
import { InfrastructureError } from '../../errors.ts';
import type { KubeClient, KubeObject } from '../../kube/client.ts';
import { poll, retryHealable } from '../../lifecycle/index.ts';
import { podLogTail } from '../../kube/pod-exec.ts';
import type { Logger } from '../../log.ts';
import type { Dataplane } from '../provider.ts';
import { customizeCalicoManifest, fetchCalicoManifest } from './manifest.ts';
import type { ManifestPin } from './pins.ts';

export interface InstallCalicoOptions {
  pin: ManifestPin;
  dataplane: Dataplane;
  extraEnv?: Record<string, string>;
  felixSettings?: Record<string, string>;
  registryMirror?: string;
  signal: AbortSignal;
  log: Logger;
  readyTimeoutMs?: number;
}

/** Fetch + verify (before anything is applied), customize, apply, wait. Returns the applied objects. */
export async function installCalico(kube: KubeClient, options: InstallCalicoOptions): Promise<KubeObject[]> {
  const manifest = await fetchCalicoManifest(options.pin, { signal: options.signal, log: (l) => options.log.info(l) });
  const objects = customizeCalicoManifest(manifest.text, {
    dataplane: options.dataplane,
    ...(options.extraEnv ? { extraEnv: options.extraEnv } : {}),
    ...(options.felixSettings ? { felixSettings: options.felixSettings } : {}),
    ...(options.registryMirror ? { registryMirror: options.registryMirror } : {}),
  });
  options.log.info(`applying Calico ${options.pin.calicoVersion} (${objects.length} objects, dataplane ${options.dataplane})`);
  const crds = objects.filter((o) => o.kind === 'CustomResourceDefinition');
  for (const crd of crds) await kube.apply(crd);
  await kube.waitCrdsEstablished(
    crds.map((c) => c.metadata.name),
    { timeoutMs: 120_000, signal: options.signal },
  );
  for (const object of objects) if (object.kind !== 'CustomResourceDefinition') await kube.apply(object);
  await waitClusterReady(kube, { timeoutMs: options.readyTimeoutMs ?? 10 * 60_000, signal: options.signal, log: options.log });
  return objects;
}

interface Workload extends KubeObject {
  spec?: { replicas?: number };
  status?: { desiredNumberScheduled?: number; numberReady?: number; readyReplicas?: number; replicas?: number };
}

interface NodeObject extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

export interface ReadinessState {
  ready: boolean;
  /** One short line per component that is not ready yet. */
  pending: string[];
}

/** Pure: what is still not ready, from the objects read from the API. */
export function readiness(state: { nodes: NodeObject[]; calicoNode?: Workload; controllers?: Workload; coredns?: Workload }): ReadinessState {
  const pending: string[] = [];
  const notReadyNodes = state.nodes
    .filter((n) => !n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
    .map((n) => n.metadata.name);
  if (state.nodes.length === 0) pending.push('no nodes registered');
  if (notReadyNodes.length > 0) pending.push(`nodes not Ready: ${notReadyNodes.join(', ')}`);
  const ds = state.calicoNode;
  if (!ds) pending.push('DaemonSet kube-system/calico-node missing');
  else {
    const desired = ds.status?.desiredNumberScheduled ?? 0;
    const ready = ds.status?.numberReady ?? 0;
    if (desired < state.nodes.length || ready < desired) pending.push(`calico-node ready on ${ready}/${Math.max(desired, state.nodes.length)} nodes`);
  }
  for (const [name, d] of [
    ['calico-kube-controllers', state.controllers],
    ['coredns', state.coredns],
  ] as const) {
    if (!d) pending.push(`Deployment kube-system/${name} missing`);
    else {
      const want = d.spec?.replicas ?? 1;
      const ready = d.status?.readyReplicas ?? 0;
      if (ready < want) pending.push(`${name} ready ${ready}/${want}`);
    }
  }
  return { ready: pending.length === 0, pending };
}

export async function waitClusterReady(kube: KubeClient, options: { timeoutMs: number; signal: AbortSignal; log: Logger }): Promise<void> {
  let last: ReadinessState = { ready: false, pending: ['not checked yet'] };
  const read = async (): Promise<ReadinessState> => {
    const workload = (kind: string, name: string) =>
      kube.read<Workload>({ apiVersion: 'apps/v1', kind, metadata: { name, namespace: 'kube-system' } });
    return readiness({
      nodes: await kube.list<NodeObject>('v1', 'Node'),
      calicoNode: await workload('DaemonSet', 'calico-node'),
      controllers: await workload('Deployment', 'calico-kube-controllers'),
      coredns: await workload('Deployment', 'coredns'),
    });
  };
  let lastLogged = '';
  try {
    await poll('Calico, CoreDNS and nodes ready', { retryIf: retryHealable, timeoutMs: options.timeoutMs, intervalMs: 3_000, signal: options.signal }, async () => {
      last = await read();
      const summary = last.pending.join('; ');
      if (summary !== lastLogged) options.log.info(last.ready ? 'cluster ready' : `waiting: ${summary}`);
      lastLogged = summary;
      return last.ready ? true : undefined;
    });
  } catch (e) {
    if (options.signal.aborted) throw e;
    const pods = await describeSystemPods(kube).catch((err: unknown) => `(could not list kube-system pods: ${String(err)})`);
    throw new InfrastructureError(
      `cluster not ready after ${Math.round(options.timeoutMs / 1000)} s: ${last.pending.join('; ')}\n${pods}`,
      { cause: e },
    );
  }
}

interface PodObject extends KubeObject {
  spec?: { nodeName?: string; containers?: { name: string }[] };
  status?: {
    phase?: string;
    containerStatuses?: { name: string; ready: boolean; restartCount: number; state?: Record<string, { reason?: string; message?: string }> }[];
  };
}

/** kube-system pods' status, and log tails of the containers that are not ready. */
export async function describeSystemPods(kube: KubeClient): Promise<string> {
  const lines: string[] = ['kube-system pods:'];
  for (const pod of await kube.list<PodObject>('v1', 'Pod', 'kube-system')) {
    const statuses = pod.status?.containerStatuses ?? [];
    const detail = statuses
      .map((c) => {
        const [state, info] = Object.entries(c.state ?? {})[0] ?? ['unknown', {}];
        return `${c.name}=${state}${info.reason ? `(${info.reason})` : ''}${c.ready ? '' : ' not-ready'}${c.restartCount ? ` restarts=${c.restartCount}` : ''}`;
      })
      .join(' ');
    lines.push(`  ${pod.metadata.name} on ${pod.spec?.nodeName ?? '?'}: ${pod.status?.phase ?? '?'} ${detail}`);
    for (const c of statuses.filter((s) => !s.ready)) {
      const tail = await podLogTail(kube, 'kube-system', pod.metadata.name, c.name, 15);
      lines.push(...tail.trimEnd().split('\n').map((l) => `    | ${c.name}: ${l}`));
    }
  }
  return lines.join('\n');
}
