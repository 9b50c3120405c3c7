// The oracle's vocabulary: one flow between two endpoints and the verdict the policies give it.
import type { IpFamily, PodString, PortProtocol } from '../model/types.ts';

/** What a flow carries: an L4 protocol NetworkPolicy ports can name, or ICMP (port-less). */
export type FlowProtocol = PortProtocol | 'ICMP';

/** A pod of the model ("ns/pod") or a host outside the cluster (by its name in `Model.externals`). */
export type Endpoint = { pod: PodString } | { external: string };

export interface Flow {
  from: Endpoint;
  to: Endpoint;
  protocol: FlowProtocol;
  /** Destination port; absent for ICMP. */
  port?: number;
  /** ICMP type and code; absent means an echo request, what a ping probe sends (type 8, code 0; ICMPv6 type 128 over IPv6). */
  icmp?: { type: number; code: number };
  /**
   * The address family the flow travels over: ipBlocks and nets match the endpoints' addresses
   * of this family (an IPv4 CIDR never matches an IPv6 flow). Absent: the endpoints' `ip`.
   */
  family?: IpFamily;
}

export type Direction = 'ingress' | 'egress';

/** One rule of one policy, as the verdict names it. */
export interface RuleRef {
  /**
   * Which policy: "ns/name" for a Kubernetes NetworkPolicy, "np:ns/name" for a Calico
   * NetworkPolicy, "gnp:name" for a Calico GlobalNetworkPolicy.
   */
  policy: string;
  direction: Direction;
  /** Index into spec.ingress or spec.egress. */
  rule: number;
  /** The Calico tier the policy is in; Kubernetes NetworkPolicies are in "default". */
  tier: string;
}

/**
 * What decided one side, the way felix evaluates it (felix/rules/endpoints.go): tiers in order,
 * the policies of a tier in order, the first matching Allow or Deny rule decides, Pass goes on to
 * the next tier, and a tier whose policies select the pod but did not decide applies its default
 * action. With no tier left, the namespace profile allows.
 */
export type SideDecision =
  /** No policy selects the endpoint in this direction (or it is outside the cluster). */
  | { kind: 'not-isolated' }
  | { kind: 'rule'; action: 'Allow' | 'Deny'; rule: RuleRef }
  /** Policies of `tier` selected the endpoint, none allowed, denied or passed: the tier's Deny. */
  | { kind: 'end-of-tier'; tier: string }
  /** The last tier that selected the endpoint passed it (a Pass rule, or its defaultAction Pass). */
  | { kind: 'passed'; tier: string; rule?: RuleRef };

/** What one side (the source's egress or the destination's ingress) decided. */
export interface SideVerdict {
  /** True when some policy (of any tier) selects the pod for this direction. */
  isolated: boolean;
  /** Every policy that selects the pod for this direction, in the order felix evaluates them. */
  selectedBy: string[];
  /** The rule that allowed this side, when an Allow rule decided it. */
  allowedBy?: RuleRef;
  decision: SideDecision;
}

export interface Verdict {
  /** Egress of the source AND ingress of the destination allow it. */
  allowed: boolean;
  egress: SideVerdict;
  ingress: SideVerdict;
  /** One human sentence, e.g. "ingress to x/b allowed by x/allow-a rule 0; egress from x/a not isolated". */
  reason: string;
}
