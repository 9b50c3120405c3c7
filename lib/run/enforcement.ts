// "Enforced" read from the nodes' rules, never from a sleep: a pod is programmed when felix has
// written its endpoint chains; a policy is enforced when, on the node of every pod it selects,
// the pod's endpoint chain reaches the policy's chain (directly or through a policy-group chain).
import { chainJumps, endpointChain, policyChainsOf, resolvePolicyChains } from '../counters/index.ts';
import type { CounterSnapshot, PolicyRef } from '../counters/index.ts';
import type { Model, NetworkPolicy } from '../model/types.ts';
import { effectivePolicyTypes, policySelectsPod } from '../oracle/index.ts';

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

const graphs = new WeakMap<CounterSnapshot, ReturnType<typeof chainJumps>>();

/** The jump graph of a snapshot, built once however many pods share the node. */
function jumpsOf(snapshot: CounterSnapshot): ReturnType<typeof chainJumps> {
  let graph = graphs.get(snapshot);
  if (!graph) graphs.set(snapshot, (graph = chainJumps(snapshot)));
  return graph;
}

function ref(policy: NetworkPolicy): PolicyRef {
  return { namespace: policy.metadata.namespace, name: policy.metadata.name };
}

/**
 * What of `policies` is not yet programmed: for every pod a policy selects and every direction
 * it has, the pod's endpoint chain must reach a chain that resolves to that policy.
 * With `absent`, the opposite: no endpoint chain may still reach any of them (after a delete).
 */
export function checkEnforcement(
  model: Model,
  policies: readonly NetworkPolicy[],
  view: NodeView,
  absent = false,
): EnforcementCheck {
  const missing: string[] = [];
  for (const pod of model.pods) {
    const podName = `${pod.namespace}/${pod.name}`;
    const node = view.podNodes.get(podName);
    const snapshot = node === undefined ? undefined : view.snapshots.get(node);
    if (!snapshot) {
      missing.push(`no rules read for ${podName}'s node`);
      continue;
    }
    const graph = jumpsOf(snapshot);
    for (const direction of ['ingress', 'egress'] as const) {
      const reached = [...policyChainsOf(snapshot, endpointChain(pod, direction), graph)];
      const resolved = resolvePolicyChains(reached, policies.map(ref), { calicoVersion: view.calicoVersion, snapshot });
      const reachedPolicies = new Set([...resolved.values()].filter((r) => r.direction === direction).map((r) => r.ref));
      for (const policy of policies) {
        const selects =
          policy.metadata.namespace === pod.namespace &&
          policySelectsPod(policy, pod) &&
          effectivePolicyTypes(policy).includes(direction === 'ingress' ? 'Ingress' : 'Egress');
        const id = `${policy.metadata.namespace}/${policy.metadata.name}`;
        if (!absent && selects && !reachedPolicies.has(id)) missing.push(`${direction} of ${podName} on ${node} does not reach ${id}`);
        if (absent && reachedPolicies.has(id)) missing.push(`${direction} of ${podName} on ${node} still reaches ${id}`);
      }
    }
  }
  return { missing };
}
