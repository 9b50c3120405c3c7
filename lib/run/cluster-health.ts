// What the cluster says about its own parts (Cluster.health), turned into what a verdict needs:
// a probe that depends on a dead component is check-failed with the component named, a wait on
// a dead component stops at once, and an infrastructure error says which component restarted.
import type { Cluster } from '../cluster/provider.ts';
import { InfrastructureError } from '../errors.ts';

/** Why the verdicts of these endpoints cannot be trusted, or undefined while the cluster is whole. */
export function brokenFor(cluster: Cluster, endpoints?: readonly string[]): string | undefined {
  const failed = cluster.health?.(endpoints).failed ?? [];
  return failed.length === 0 ? undefined : `the cluster is broken: ${failed.join('; ')}`;
}

/** For a poll's failFast: throws once a component the waits depend on is dead for good. */
export function failFastOnBrokenCluster(cluster: Cluster): () => void {
  return () => {
    const broken = brokenFor(cluster);
    if (broken) throw new InfrastructureError(broken);
  };
}

/** What went wrong with the cluster's parts, to add to an infrastructure error; '' when nothing did. */
export function healthNote(cluster: Cluster, endpoints?: readonly string[]): string {
  const health = cluster.health?.(endpoints);
  const all = [...(health?.failed ?? []), ...(health?.restarted ?? [])];
  return all.length === 0 ? '' : `; the cluster: ${all.join('; ')}`;
}
