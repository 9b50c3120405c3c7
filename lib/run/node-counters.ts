// Reading a node's Calico rules and counters through the provider (`execOnNode`), for probe
// attribution and for waiting until felix has programmed what the run applied.
import pRetry from 'p-retry';
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { InfrastructureError } from '../errors.ts';
import { parseIptablesSave, parseNftJson } from '../counters/index.ts';
import type { CounterSnapshot } from '../counters/index.ts';

/** The command that dumps a node's filter rules with counters, for the dataplane in use. */
export function counterCommand(dataplane: Dataplane): string[] {
  switch (dataplane) {
    case 'iptables-nft':
      return ['iptables-nft-save', '-c', '-t', 'filter'];
    case 'iptables-legacy':
      return ['iptables-legacy-save', '-c', '-t', 'filter'];
    case 'nftables':
      return ['nft', '-j', 'list', 'ruleset'];
  }
}

export async function snapshotNode(
  cluster: Cluster,
  node: string,
  dataplane: Dataplane,
  signal?: AbortSignal,
): Promise<CounterSnapshot> {
  const argv = counterCommand(dataplane);
  // A dump can fail while felix rewrites the ruleset under it (iptables-nft-save: "Set with
  // index N in kernel doesn't exist"). Reading is idempotent, so a few quick retries are safe;
  // a dump that keeps failing is an infrastructure error.
  const stdout = await pRetry(
    async () => {
      const result = await cluster.execOnNode(node, argv, { timeoutMs: 15_000, signal });
      if (result.exitCode !== 0) {
        throw new InfrastructureError(
          `reading counters on node ${node} failed: \`${argv.join(' ')}\` exited ${result.exitCode}: ${result.stderr.trim().slice(0, 300)}`,
        );
      }
      return result.stdout;
    },
    { retries: 4, minTimeout: 50, maxTimeout: 400, ...(signal ? { signal } : {}) },
  );
  return dataplane === 'nftables'
    ? parseNftJson(stdout)
    : parseIptablesSave(stdout, { backend: dataplane === 'iptables-legacy' ? 'legacy' : 'nft' });
}

export async function snapshotNodes(
  cluster: Cluster,
  nodes: readonly string[],
  dataplane: Dataplane,
  signal?: AbortSignal,
): Promise<Map<string, CounterSnapshot>> {
  const entries = await Promise.all(nodes.map(async (n) => [n, await snapshotNode(cluster, n, dataplane, signal)] as const));
  return new Map(entries);
}
