// "Enforced" read from the nodes' rules, never from a sleep: a pod is programmed when felix has
// written its endpoint chains; a policy is enforced when, on the node of every pod it selects,
// the pod's endpoint chain reaches the policy's chain (directly or through a policy-group chain).
import { chainJumps, endpointChain, endpointTiers, policyChainsOf, resolvePolicyChains } from '../counters/index.ts';
import type { CounterSnapshot, PolicyRef } from '../counters/index.ts';
import type { Model, PolicyResource } from '../model/types.ts';
import { Oracle } from '../oracle/index.ts';
import { policyRefs } from '../recipes/index.ts';

export interface EnforcementCheck {
  /** Human lines: what is still missing. Empty when everything is enforced. */
  missing: string[];
}

export interface NodeView {
  /** Pod ("ns/name") -> node name. */
  podNodes: Map<string, string>;
  snapshots: Map<string, CounterSnapshot>;
  calicoVersion: string;
}

/**
 * What of `policies` is not yet programmed: for every pod a policy selects and every direction
 * it has (the oracle says which, for Kubernetes and Calico policies alike), the pod's endpoint
 * chain must reach a chain that resolves to that policy, and list its tiers in the oracle's order
 * (felix's "Start of tier <name>" comments), so a policy never counts as enforced while felix
 * still sorts it into a tier it has not seen yet. With `absent`, the opposite: no endpoint chain
 * may still reach any of them (after a delete).
 */
export function checkEnforcement(
  model: Model,
  policies: readonly PolicyResource[],
  view: NodeView,
  absent = false,
): EnforcementCheck {
  const missing: string[] = [];
  const oracle = new Oracle(model, policies);
  const refs = policyRefs({ policies: [...policies] });
  const key = (kind: string | undefined, namespace: string | undefined, name: string): string => `${kind ?? 'KubernetesNetworkPolicy'}|${namespace ?? ''}|${name}`;
  for (const endpoint of oracle.table.endpoints) {
    if (endpoint.kind !== 'pod') continue;
    const pod = endpoint.pod;
    const podName = endpoint.name;
    const node = view.podNodes.get(podName);
    const snapshot = node === undefined ? undefined : view.snapshots.get(node);
    if (!snapshot) {
      missing.push(`no rules read for ${podName}'s node`);
      continue;
    }
    const graph = jumpsOf(snapshot);
    for (const direction of ['ingress', 'egress'] as const) {
      const chain = endpointChain(pod, direction);
      const reached = [...policyChainsOf(snapshot, chain, graph)];
      const resolved = resolvePolicyChains(reached, refs, { calicoVersion: view.calicoVersion, snapshot });
      const reachedRefs = new Set([...resolved.values()].filter((r) => r.direction === direction).map((r) => r.policy));
      const applying = oracle.set.applyingTo(endpoint, direction);
      const selected = new Set(applying.tiers.flatMap((t) => t.policies.map((p) => key(p.kind, p.namespace, p.name))));
      for (const ref of refs) {
        const selects = selected.has(key(ref.kind, ref.namespace || undefined, ref.name));
        const id = refLabel(ref);
        if (!absent && selects && !reachedRefs.has(ref)) missing.push(`${direction} of ${podName} on ${node} does not reach ${id}`);
        if (absent && reachedRefs.has(ref)) missing.push(`${direction} of ${podName} on ${node} still reaches ${id}`);
      }
      if (!absent) {
        // Felix also starts a tier whose policies here are all staged (it renders no jump for
        // them and no end-of-tier drop: felix/rules/endpoints.go); only the enforcing ones count.
        const expected = applying.tiers.map((t) => t.tier.name);
        const tiers = endpointTiers(snapshot, chain)?.filter((tier) => expected.includes(tier));
        if (tiers !== undefined && tiers.join() !== expected.join()) {
          missing.push(`${direction} of ${podName} on ${node} has tiers [${tiers.join(', ')}], the oracle expects [${expected.join(', ')}]`);
        }
      }
    }
  }
  return { missing };
}

const graphs = new WeakMap<CounterSnapshot, ReturnType<typeof chainJumps>>();

/** The jump graph of a snapshot, built once however many pods share the node. */
function jumpsOf(snapshot: CounterSnapshot): ReturnType<typeof chainJumps> {
  let graph = graphs.get(snapshot);
  if (!graph) graphs.set(snapshot, (graph = chainJumps(snapshot)));
  return graph;
}

function refLabel(ref: PolicyRef): string {
  const name = `${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  return ref.kind === undefined || ref.kind === 'KubernetesNetworkPolicy' ? name : `${ref.kind} ${name}`;
}
