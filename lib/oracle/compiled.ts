// The one shape every policy takes inside the oracle, whatever its API: Kubernetes
// NetworkPolicies become what Calico converts them to (libcalico-go/lib/backend/k8s/conversion
// K8sNetworkPolicyToCalico: tier "default", order 1000, Allow rules), and Calico policies keep
// their tier, order and actions. Matching answers are cached per endpoint index, so a rule's peer
// is judged once per endpoint however many flows cross it.
import type { CalicoAction } from '../model/calico.ts';
import type { ResolvedEndpoint } from './endpoint.ts';
import type { Direction, FlowProtocol, RuleRef, SideDecision } from './types.ts';

/** One flow with its endpoints resolved. */
export interface FlowContext {
  source: ResolvedEndpoint;
  destination: ResolvedEndpoint;
  protocol: FlowProtocol;
  port?: number;
  icmpType: number;
  icmpCode: number;
  /** IP family of the flow: the family of whichever endpoint has an address, else 4. */
  family: 4 | 6;
}

export interface CompiledRule {
  /** Index into spec.ingress / spec.egress. */
  index: number;
  action: CalicoAction;
  matches(flow: FlowContext): boolean;
  /** Set by the PolicySet once the policy's id, tier and direction are known: shared by every verdict it decides. */
  ref?: RuleRef;
  decision?: SideDecision;
}

export type PolicyKindName = 'KubernetesNetworkPolicy' | 'NetworkPolicy' | 'GlobalNetworkPolicy';

export interface CompiledPolicy {
  /** As RuleRef.policy spells it: "ns/name", "np:ns/name" or "gnp:name". */
  id: string;
  /** For sentences: "x/allow-a", "Calico NetworkPolicy x/name", "GlobalNetworkPolicy name". */
  label: string;
  kind: PolicyKindName;
  name: string;
  namespace?: string;
  tier: string;
  /** +Infinity when the policy has no order (felix/calc/policy_sorter.go polMetaDefaultOrder). */
  order: number;
  applies: Record<Direction, boolean>;
  /** Does the policy select this pod? Only called for pods. */
  selects(pod: ResolvedEndpoint & { kind: 'pod' }): boolean;
  rules: Record<Direction, CompiledRule[]>;
}

/** A per-endpoint memo: 0 unknown, 1 no, 2 yes. */
export function endpointMemo(size: number, decide: (endpoint: ResolvedEndpoint) => boolean): (endpoint: ResolvedEndpoint) => boolean {
  const memo = new Uint8Array(size);
  return (endpoint) => {
    const known = memo[endpoint.index];
    if (known !== 0 && known !== undefined) return known === 2;
    const answer = decide(endpoint);
    memo[endpoint.index] = answer ? 2 : 1;
    return answer;
  };
}
