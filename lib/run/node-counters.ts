// The run's counter readers: one per node, shared by every recipe and probe on the cluster
// (lib/counters/reader.ts), reading through the provider's execOnNode.
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { NodeCounterReader } from '../counters/index.ts';
import type { CounterSnapshot } from '../counters/index.ts';

export type CounterReaders = ReadonlyMap<string, NodeCounterReader>;

export function counterReaders(cluster: Cluster, dataplane: Dataplane, signal: AbortSignal, watchIntervalMs?: number): CounterReaders {
  return new Map(
    cluster.nodes.map((node) => [
      node,
      new NodeCounterReader({
        node,
        backend: dataplane,
        exec: (argv, options) => cluster.execOnNode(node, argv, options),
        signal,
        ...(watchIntervalMs !== undefined ? { watchIntervalMs } : {}),
      }),
    ]),
  );
}

/** A full read of each node, started after this call (shared with whoever else asks meanwhile). */
export async function readNodes(readers: CounterReaders, nodes: readonly string[], signal: AbortSignal): Promise<Map<string, CounterSnapshot>> {
  const entries = await Promise.all(
    nodes.map(async (node) => {
      const reader = readers.get(node);
      if (!reader) throw new Error(`no counter reader for node ${node}`);
      return [node, await reader.read(signal)] as const;
    }),
  );
  return new Map(entries);
}
