// When the dataplane reflects a recipe step, read from the nodes' rules and IP sets, never from
// a sleep. A step can apply, update or delete policies, relabel pods or namespaces and add pods;
// each leaves its mark somewhere else in felix's rules:
// - which policies a pod's endpoint chains reach: exactly the ones in force that the oracle says
//   select it (applied, deleted, and a pod relabelled into or out of a policy's podSelector),
// - an updated policy's chains: their rules differ from the ones before the step (felix names a
//   policy's chain after the policy, not its rules, and ids each rule by a hash of its content),
// - the IP sets a policy's rules match peers against: they hold the IPs of exactly the recipe's
//   pods each peer selects (a peer pod or namespace relabelled changes no rule, only these),
// - an added pod: both of its endpoint chains exist.
import { calicoChainName, chainRole, ipSetFamily, podProgrammed, resolvePolicyChains, selectorSetsOf } from '../counters/index.ts';
import type { CounterSnapshot, IpSets } from '../counters/index.ts';
import { isCalicoTier, isStagedKind } from '../model/calico.ts';
import type { Model, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy } from '../model/types.ts';
import { effectivePolicyTypes, EndpointTable, Oracle } from '../oracle/index.ts';
import { peerMatches } from '../oracle/peers.ts';
import { policyLabel, policyRefs } from '../recipes/index.ts';
import { checkEnforcement, type NodeView } from './enforcement.ts';

/** The state a step leaves, as far as the rules can show it. */
export interface StepState {
  model: Model;
  /** The recipe's policies in force after the step. */
  policies: readonly PolicyResource[];
  /** Every policy the recipe applies at some step: the ones not in force must be gone. */
  known: readonly PolicyResource[];
  /** Policies the step updated with other rules: their chains must show the new ones. */
  updated: readonly PolicyResource[];
}

export interface StepView extends NodeView {
  /** Each node's rules before the step's first change (for updated policies). */
  before: Map<string, CounterSnapshot>;
  /** Each node's IP sets (needed when a policy in force matches peers by selector). */
  ipSets: Map<string, IpSets>;
}

/** Human lines: what the dataplane does not show yet. Empty when it reflects the step. */
export function checkStep(state: StepState, view: StepView): string[] {
  return [...checkStepRules(state, view), ...checkStepIpSets(state, view)];
}

/** What the rules do not show yet: endpoint chains, policy chains, updated rules (`view.ipSets` unused). */
export function checkStepRules(state: StepState, view: Omit<StepView, 'ipSets'>): string[] {
  const missing: string[] = [];
  for (const pod of state.model.pods) {
    const node = view.podNodes.get(`${pod.namespace}/${pod.name}`);
    const snapshot = node === undefined ? undefined : view.snapshots.get(node);
    if (snapshot && !podProgrammed(snapshot, pod)) missing.push(`no endpoint chains yet for ${pod.namespace}/${pod.name} on ${node}`);
  }
  // Selected pods reach each policy in force; nothing reaches a policy no longer in force.
  missing.push(...checkEnforcement(state.model, state.policies, view).missing);
  const inForce = new Set(state.policies.map(policyLabel));
  const gone = unique(state.known.filter((p) => !inForce.has(policyLabel(p))));
  missing.push(...checkEnforcement(state.model, gone, view, true).missing);
  // Pods a policy in force does not select do not reach it (a pod relabelled out of it).
  const oracle = new Oracle(state.model, state.policies);
  for (const compiled of oracle.set.policies) {
    const policy = state.policies.find((p) => policyLabel(p) === compiled.id);
    if (!policy) continue;
    const others = oracle.table.endpoints.flatMap((e) => (e.kind === 'pod' && !compiled.selects(e) ? [e.pod] : []));
    missing.push(...checkEnforcement({ ...state.model, pods: others }, [policy], view, true).missing);
  }
  for (const policy of state.updated) missing.push(...checkUpdated(policy, view));
  return missing;
}

/** True when some Kubernetes policy matches peers by selector, so the step's check needs the nodes' IP sets. */
export function needsIpSets(policies: readonly PolicyResource[]): boolean {
  return policies.some((policy) => isKubernetesNetworkPolicy(policy) && peerRules(policy).length > 0);
}

/** The policies `after` applies with rules other than the version in force before it. */
export function updatedPolicies(before: readonly PolicyResource[], applied: readonly PolicyResource[]): PolicyResource[] {
  return applied.filter((policy) => {
    const old = before.find((p) => policyLabel(p) === policyLabel(policy));
    const was = old === undefined ? undefined : rulesText(old);
    return was !== undefined && was !== rulesText(policy);
  });
}

/** The rules felix renders into the policy's chains; undefined for what has none (tiers, staged policies). */
function rulesText(policy: PolicyResource): string | undefined {
  if (isKubernetesNetworkPolicy(policy)) {
    const types = effectivePolicyTypes(policy);
    return JSON.stringify([types, types.includes('Ingress') ? policy.spec.ingress ?? [] : [], types.includes('Egress') ? policy.spec.egress ?? [] : []]);
  }
  if (isCalicoTier(policy) || isStagedKind(policy.kind)) return undefined;
  return JSON.stringify([policy.spec.types, policy.spec.ingress ?? [], policy.spec.egress ?? []]);
}

/** Wherever the policy's chains were there before the step, their rules must have changed. */
function checkUpdated(policy: PolicyResource, view: Omit<StepView, 'ipSets'>): string[] {
  const missing: string[] = [];
  for (const [node, after] of view.snapshots) {
    const old = view.before.get(node);
    if (!old) continue;
    const was = policyRules(old, policy, view.calicoVersion);
    const now = policyRules(after, policy, view.calicoVersion);
    if (was !== '' && now === was) missing.push(`${policyLabel(policy)} on ${node} still has the rules it had before the update`);
  }
  return missing;
}

/** The rule texts of every chain felix rendered from the policy on this node ('' when none). */
function policyRules(snapshot: CounterSnapshot, policy: PolicyResource, calicoVersion: string): string {
  const chains = policyChainsFor(snapshot, policy, calicoVersion);
  return snapshot.rules
    .filter((r) => chains.has(calicoChainName(r.chain)))
    .map((r) => `${calicoChainName(r.chain)} ${r.index} ${r.text}`)
    .sort()
    .join('\n');
}

function policyChainsFor(snapshot: CounterSnapshot, policy: PolicyResource, calicoVersion: string): Map<string, 'ingress' | 'egress'> {
  const refs = policyRefs({ policies: [policy] });
  if (refs.length === 0) return new Map();
  const names = snapshot.chains.map((c) => calicoChainName(c.chain)).filter((c) => chainRole(c) === 'policy-ingress' || chainRole(c) === 'policy-egress');
  const resolved = resolvePolicyChains(names, refs, { calicoVersion, snapshot });
  return new Map([...resolved.values()].map((r) => [r.chain, r.direction]));
}

/**
 * On every node where a policy in force is rendered, the selector IP sets each direction's rules
 * match must hold the recipe's pods its peers select, and no other of the recipe's pods (pods of
 * other recipes may be in a set too: `namespaceSelector: {}` selects every namespace). Compared
 * as a collection of member lists: felix keeps one set per distinct selector. Rules that name a
 * port by name are left out (felix matches those peers with named-port sets).
 */
export function checkStepIpSets(state: StepState, view: StepView): string[] {
  const missing: string[] = [];
  const recipeIps = new Set(state.model.pods.flatMap((p) => (p.ip === undefined ? [] : [p.ip])));
  const table = new EndpointTable(state.model);
  for (const policy of state.policies) {
    // Calico's own policies are left out: their selectors are Calico's, the wait covers their chains.
    if (!isKubernetesNetworkPolicy(policy)) continue;
    const peers = peerRules(policy);
    if (peers.length === 0) continue;
    for (const [node, snapshot] of view.snapshots) {
      const sets = view.ipSets.get(node);
      if (!sets) continue;
      for (const [chain, direction] of policyChainsFor(snapshot, policy, view.calicoVersion)) {
        const rules = snapshot.rules.filter((r) => calicoChainName(r.chain) === chain);
        const directionPeers = peers.find((p) => p.direction === direction)?.peers;
        if (!directionPeers) continue;
        const referenced = selectorSetsOf(rules);
        for (const family of [4, 6] as const) {
          const ofFamily = (ip: string): boolean => (ip.includes(':') ? 6 : 4) === family;
          const expected = memberLists(directionPeers.map((peer) => selectedIps(table, policy, peer).filter(ofFamily)));
          const observed = memberLists(
            referenced.filter((name) => ipSetFamily(name) === family).map((name) => (sets.get(name) ?? []).filter((ip) => recipeIps.has(ip))),
          );
          // A family no pod of the recipe has: nothing to compare.
          if (![...recipeIps].some(ofFamily)) continue;
          if (expected.join(' ') !== observed.join(' ')) {
            missing.push(`${direction} IP sets of ${policyLabel(policy)} on ${node} hold ${observed.join(' ') || 'nothing'}; its peers select ${expected.join(' ')}`);
          }
        }
      }
    }
  }
  return missing;
}

/**
 * The selector peers of each direction's rules. A direction with a rule that names a port by
 * name is left out (felix matches such peers with named-port sets), and ipBlock peers have none.
 */
function peerRules(policy: NetworkPolicy): { direction: 'ingress' | 'egress'; peers: NetworkPolicyPeer[] }[] {
  const types = effectivePolicyTypes(policy);
  const direction = (name: 'ingress' | 'egress', rules: { ports?: NetworkPolicyPort[]; peers?: NetworkPolicyPeer[] }[]) => {
    if (rules.some((rule) => (rule.ports ?? []).some((p) => typeof p.port === 'string'))) return [];
    const peers = rules.flatMap((rule) => (rule.peers ?? []).filter((peer) => !peer.ipBlock));
    return peers.length > 0 ? [{ direction: name, peers }] : [];
  };
  return [
    ...(types.includes('Ingress') ? direction('ingress', (policy.spec.ingress ?? []).map((r) => ({ ...r, peers: r.from }))) : []),
    ...(types.includes('Egress') ? direction('egress', (policy.spec.egress ?? []).map((r) => ({ ...r, peers: r.to }))) : []),
  ];
}

function selectedIps(table: EndpointTable, policy: NetworkPolicy, peer: NetworkPolicyPeer): string[] {
  return table.endpoints.flatMap((endpoint) => (endpoint.kind === 'pod' && endpoint.ip !== undefined && peerMatches(peer, policy.metadata.namespace, endpoint) ? [endpoint.ip] : []));
}

/** Distinct member lists, each sorted, as comparable strings: "{10.0.0.1,10.0.0.2}". */
function memberLists(lists: string[][]): string[] {
  return [...new Set(lists.map((l) => `{${[...new Set(l)].sort().join(',')}}`))].sort();
}

function unique(policies: PolicyResource[]): PolicyResource[] {
  return [...new Map(policies.map((p) => [policyLabel(p), p])).values()];
}
