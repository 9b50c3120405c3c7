// "Enforced" read from the nodes' rules, never from a sleep: a pod is programmed when felix has
// written its endpoint chains; a policy is enforced when, on the node of every pod it selects,
// the pod's endpoint chain reaches the policy's chain (directly or through a policy-group chain).
import { calicoChainName, resolvePolicyChains } from '../counters/index.ts';
import type { CounterSnapshot, PolicyRef } from '../counters/index.ts';
import { workloadInterfaceName } from '../counters/index.ts';
import type { Model, NetworkPolicy, PodSpec } from '../model/types.ts';
import { effectivePolicyTypes, policySelectsPod } from '../oracle/index.ts';

export type EndpointDirection = 'ingress' | 'egress';

export function endpointChain(pod: Pick<PodSpec, 'namespace' | 'name'>, direction: EndpointDirection): string {
  return `${direction === 'ingress' ? 'cali-tw-' : 'cali-fw-'}${workloadInterfaceName(pod.namespace, pod.name)}`;
}

/** Calico chain name -> the normalised names of the chains its rules jump or go to. */
function jumps(snapshot: CounterSnapshot): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const rule of snapshot.rules) {
    if (!rule.target) continue;
    const from = calicoChainName(rule.chain);
    let set = out.get(from);
    if (!set) out.set(from, (set = new Set()));
    set.add(calicoChainName(rule.target));
  }
  return out;
}

function chainNames(snapshot: CounterSnapshot): Set<string> {
  return new Set(snapshot.chains.map((c) => calicoChainName(c.chain)));
}

export function podProgrammed(snapshot: CounterSnapshot, pod: Pick<PodSpec, 'namespace' | 'name'>): boolean {
  const chains = chainNames(snapshot);
  return chains.has(endpointChain(pod, 'ingress')) && chains.has(endpointChain(pod, 'egress'));
}

/** The policy chains reachable from an endpoint chain, through policy-group chains. */
export function policyChainsOf(snapshot: CounterSnapshot, endpoint: string): Set<string> {
  const graph = jumps(snapshot);
  const found = new Set<string>();
  const seen = new Set<string>();
  const walk = (chain: string): void => {
    if (seen.has(chain)) return;
    seen.add(chain);
    for (const target of graph.get(chain) ?? []) {
      if (/^cali-p[io]-/.test(target)) found.add(target);
      else if (/^cali-g[io]-/.test(target)) walk(target);
    }
  };
  walk(endpoint);
  return found;
}

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
    for (const direction of ['ingress', 'egress'] as const) {
      const reached = [...policyChainsOf(snapshot, endpointChain(pod, direction))];
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
