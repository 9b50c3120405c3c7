// Which chains belong to a workload endpoint, and where they lead. Felix gives every pod an
// ingress chain cali-tw-<iface> (to workload) and an egress chain cali-fw-<iface> (from
// workload) (felix/rules/endpoints.go); those jump to policy chains (cali-pi-/cali-po-), often
// through policy-group chains (cali-gi-/cali-go-), and to profile chains (cali-pri-/cali-pro-).
// The one place that knows this layout: enforcement checks, attribution and the counter watch
// of a probe all ask here.
import { calicoChainName, chainRole } from './chains.ts';
import { workloadInterfaceName } from './interface-name.ts';
import type { CounterSnapshot } from './types.ts';

export type EndpointDirection = 'ingress' | 'egress';

/** cali-tw-<iface> (ingress) or cali-fw-<iface> (egress), as felix names them. */
export function endpointChainName(iface: string, direction: EndpointDirection): string {
  return `${direction === 'ingress' ? 'cali-tw-' : 'cali-fw-'}${iface}`;
}

/** The endpoint chain of a pod, from its namespace and name. */
export function endpointChain(pod: { namespace: string; name: string }, direction: EndpointDirection): string {
  return endpointChainName(workloadInterfaceName(pod.namespace, pod.name), direction);
}

/** Calico chain -> the chains its rules jump or go to (logical names, nft prefixes stripped). */
export function chainJumps(snapshot: CounterSnapshot): Map<string, Set<string>> {
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

/** True when felix has written both endpoint chains of the pod. */
export function podProgrammed(snapshot: CounterSnapshot, pod: { namespace: string; name: string }): boolean {
  const chains = new Set(snapshot.chains.map((c) => calicoChainName(c.chain)));
  return chains.has(endpointChain(pod, 'ingress')) && chains.has(endpointChain(pod, 'egress'));
}

/**
 * The policy, profile and policy-group chains reachable from an endpoint chain, in the order
 * they are first reached.
 */
export function chainsReachableFrom(snapshot: CounterSnapshot, endpoint: string, graph = chainJumps(snapshot)): Set<string> {
  const reached = new Set<string>();
  const queue = [endpoint];
  while (queue.length > 0) {
    const chain = queue.shift()!;
    for (const target of graph.get(chain) ?? []) {
      const role = chainRole(target);
      if (reached.has(target) || role === 'other' || role === 'calico') continue;
      reached.add(target);
      queue.push(target);
    }
  }
  return reached;
}

/** The policy chains (cali-pi-/cali-po-) an endpoint chain reaches, through policy-group chains. */
export function policyChainsOf(snapshot: CounterSnapshot, endpoint: string, graph = chainJumps(snapshot)): Set<string> {
  return new Set([...chainsReachableFrom(snapshot, endpoint, graph)].filter((c) => chainRole(c) === 'policy-ingress' || chainRole(c) === 'policy-egress'));
}

/**
 * The tiers an endpoint chain evaluates, in order, from felix's "Start of tier <name>" comments;
 * undefined when felix writes none (old versions say "Start of policies").
 */
export function endpointTiers(snapshot: CounterSnapshot, chain: string): string[] | undefined {
  const rules = snapshot.rules.filter((r) => calicoChainName(r.chain) === chain).sort((a, b) => a.index - b.index);
  const tiers = rules.flatMap((r) => r.comments.map((c) => /^Start of tier (\S+)/.exec(c)?.[1]).filter((t): t is string => t !== undefined));
  return tiers.length === 0 && rules.some((r) => r.comments.some((c) => /^Start of policies/.test(c))) ? undefined : tiers;
}
