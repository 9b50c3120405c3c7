// The oracle's vocabulary: one flow between two endpoints and the verdict NetworkPolicy gives it.
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
  /**
   * The address family the flow travels over: ipBlock peers match the endpoints' addresses of
   * this family (an IPv4 CIDR never matches an IPv6 flow). Absent: the endpoints' `ip`.
   */
  family?: IpFamily;
}

export type Direction = 'ingress' | 'egress';

/** The first rule (in policy order, then rule order) that allowed one side of a flow. */
export interface RuleRef {
  /** "ns/name" */
  policy: string;
  direction: Direction;
  /** Index into spec.ingress or spec.egress. */
  rule: number;
}

/** What one side (the source's egress or the destination's ingress) decided. */
export interface SideVerdict {
  /** True when some policy selecting the pod has this direction in its policyTypes. */
  isolated: boolean;
  /** "ns/name" of every policy that isolates the pod in this direction. */
  selectedBy: string[];
  allowedBy?: RuleRef;
}

export interface Verdict {
  /** Egress of the source AND ingress of the destination allow it. */
  allowed: boolean;
  egress: SideVerdict;
  ingress: SideVerdict;
  /** One human sentence, e.g. "ingress to x/b allowed by x/allow-a rule 0; egress from x/a not isolated". */
  reason: string;
}
