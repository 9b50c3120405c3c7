// The run's counter readers: one per node, shared by every recipe and probe on the cluster
// (lib/counters/reader.ts), reading through the provider's execOnNode.
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { NodeCounterReader } from '../counters/index.ts';
import type { CounterSnapshot } from '../counters/index.ts';

export type CounterReaders = ReadonlyMap<string, NodeCounterReader>;

/**
 * A reader per node, reading through two of the provider's node sessions (full reads and watch
 * ticks run side by side). `teardown` gets the sessions to close.
 */
export function counterReaders(
  cluster: Cluster,
  dataplane: Dataplane,
  signal: AbortSignal,
  options: { watchIntervalMs?: number | undefined; defer: (name: string, undo: () => Promise<void>) => void },
): CounterReaders {
  return new Map(
    cluster.nodes.map((node) => {
      const reads = cluster.openNodeSession(node);
      const ticks = cluster.openNodeSession(node);
      options.defer(`counter sessions on ${node}`, async () => {
        await reads.close();
        await ticks.close();
      });
      const reader = new NodeCounterReader({
        node,
        backend: dataplane,
        exec: (argv, o) => reads.run(argv, o),
        watchExec: (argv, o) => ticks.run(argv, o),
        signal,
        ...(options.watchIntervalMs !== undefined ? { watchIntervalMs: options.watchIntervalMs } : {}),
      });
      return [node, reader] as const;
    }),
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
