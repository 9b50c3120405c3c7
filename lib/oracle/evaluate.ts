// The oracle: what Kubernetes NetworkPolicies and Calico's own policies, together, say must happen
// to one flow, evaluated the way felix renders them (felix/rules/endpoints.go
// endpointIptablesChain):
// - per direction, the tiers whose policies select the endpoint, in order; within a tier its
//   policies in order, and within a policy its rules in order;
// - the first matching Allow or Deny rule decides; Log matches and goes on to the next rule; Pass
//   skips the rest of the tier ("If a previous policy/group didn't set the pass mark, jump to the
//   policy") and goes on to the next tier;
// - a tier whose policies select the endpoint but decided nothing applies its default action: Deny
//   drops ("End of tier <t>. Drop if no policies passed packet"), Pass goes on;
// - past the last tier (or with no tier at all) the namespace profile kns.<ns> allows
//   (conversion.go NamespaceToProfile: one Allow rule each way).
// A flow is allowed when the source's egress AND the destination's ingress allow it. External
// hosts have no endpoint chain, so they are never isolated. A pod talking to itself is loopback:
// it never leaves the pod, so it is always allowed (Kubernetes' netpol e2e `AllowLoopback`); the
// sides still show what policy says.
import type { Model, PolicyResource } from '../model/types.ts';
import type { CompiledPolicy, CompiledRule, FlowContext } from './compiled.ts';
import { EndpointTable, type ResolvedEndpoint } from './endpoint.ts';
import { PolicySet, type ApplyingTier } from './policy-set.ts';
import type { Direction, Flow, RuleRef, SideDecision, SideVerdict, Verdict } from './types.ts';

/** What a ping sends: an ICMP echo request, or over IPv6 an ICMPv6 one (RFC 4443). */
const ECHO_REQUEST = { type: 8, code: 0 };
const ECHO_REQUEST_V6 = { type: 128, code: 0 };

const NOT_ISOLATED_DECISION: SideDecision = Object.freeze({ kind: 'not-isolated' });
const NOT_ISOLATED: SideVerdict = Object.freeze({ isolated: false, selectedBy: [], decision: NOT_ISOLATED_DECISION }) as SideVerdict;

function flowContext(from: ResolvedEndpoint, to: ResolvedEndpoint, traffic: Pick<Flow, 'protocol' | 'port' | 'icmp' | 'family'>): FlowContext {
  const family = traffic.family === undefined ? ((from.address ?? to.address)?.family ?? 4) : traffic.family === 'IPv6' ? 6 : 4;
  const icmp = traffic.icmp ?? (family === 6 ? ECHO_REQUEST_V6 : ECHO_REQUEST);
  const context: FlowContext = {
    source: from,
    destination: to,
    protocol: traffic.protocol,
    icmpType: icmp.type,
    icmpCode: icmp.code,
    family,
  };
  if (traffic.port !== undefined) context.port = traffic.port;
  return context;
}

/** A model and its policies, compiled once; evaluate as many flows as needed. */
export class Oracle {
  readonly table: EndpointTable;
  readonly set: PolicySet;
  private readonly byId: Map<string, CompiledPolicy>;

  constructor(model: Model, resources: readonly PolicyResource[]) {
    this.table = new EndpointTable(model);
    this.set = new PolicySet(this.table, resources);
    this.byId = new Map(this.set.policies.map((p) => [p.id, p]));
  }

  /**
   * True when no name a reason can contain (endpoints, policies, tiers) needs escaping in JSON, so
   * a writer can quote reasons as they are. Validated scenario names always qualify.
   */
  reasonsArePlain(): boolean {
    // eslint-disable-next-line no-control-regex
    const plain = /^[^"\\\u0000-\u001f]*$/;
    const names = [...this.table.endpoints.map((e) => e.name), ...this.set.policies.map((p) => p.label), ...this.set.tiers.keys()];
    return names.every((name) => plain.test(name));
  }

  /** A flow with a family is judged on the endpoints' addresses of that family. */
  evaluate(flow: Flow): Verdict {
    return this.evaluateResolved(this.table.resolve(flow.from, flow.family), this.table.resolve(flow.to, flow.family), flow);
  }

  /** `from`/`to` must come from this oracle's table. */
  evaluateResolved(from: ResolvedEndpoint, to: ResolvedEndpoint, traffic: Pick<Flow, 'protocol' | 'port' | 'icmp' | 'family'>): Verdict {
    const context = flowContext(from, to, traffic);
    const egress = this.sideVerdict('egress', from, context);
    const ingress = this.sideVerdict('ingress', to, context);
    const loopback = from.kind === 'pod' && to.kind === 'pod' && from.index === to.index;
    const allowed = loopback || (sideAllows(egress) && sideAllows(ingress));
    return { allowed, egress, ingress, reason: this.explain(context, egress, ingress, loopback) };
  }

  /** Only whether the flow is allowed: no verdict, no sentence (for counting many flows). */
  allows(from: ResolvedEndpoint, to: ResolvedEndpoint, traffic: Pick<Flow, 'protocol' | 'port' | 'icmp' | 'family'>): boolean {
    if (from.kind === 'pod' && to.kind === 'pod' && from.index === to.index) return true;
    const context = flowContext(from, to, traffic);
    return decisionAllows(this.decide('egress', from, context)) && decisionAllows(this.decide('ingress', to, context));
  }

  private sideVerdict(direction: Direction, subject: ResolvedEndpoint, flow: FlowContext): SideVerdict {
    const decision = this.decide(direction, subject, flow);
    if (decision.kind === 'not-isolated') return NOT_ISOLATED;
    const selectedBy = this.set.applyingTo(subject, direction).policyIds;
    return decision.kind === 'rule' && decision.action === 'Allow' ? { isolated: true, selectedBy, allowedBy: decision.rule, decision } : { isolated: true, selectedBy, decision };
  }

  /** `subject` is the pod whose policies decide this side: the source for egress, the destination for ingress. */
  private decide(direction: Direction, subject: ResolvedEndpoint, flow: FlowContext): SideDecision {
    if (subject.kind !== 'pod') return NOT_ISOLATED_DECISION;
    const applying = this.set.applyingTo(subject, direction);
    let passed: SideDecision = NOT_ISOLATED_DECISION;
    for (const { policies, undecided } of applying.tiers) {
      const decision = decideTier(policies, direction, flow)?.decision ?? undecided;
      if (decision.kind !== 'passed') return decision;
      passed = decision;
    }
    return passed;
  }

  private explain(flow: FlowContext, egress: SideVerdict, ingress: SideVerdict, loopback: boolean): string {
    const { source: from, destination: to } = flow;
    if (loopback) return `${from.name} to itself is loopback, which NetworkPolicy does not filter`;
    const traffic = flow.protocol === 'ICMP' || flow.port === undefined ? flow.protocol : `${flow.protocol}/${flow.port}`;
    // IPv4 is the unnamed default, so reasons read as they did before dual-stack.
    const what = flow.family === 6 ? `${traffic} over IPv6` : traffic;
    const ingressText = this.describeSide('ingress', ingress, to, from, what);
    const egressText = this.describeSide('egress', egress, from, to, what);
    // The side that blocks comes first: it is the answer to "why".
    return !sideAllows(egress) && sideAllows(ingress) ? `${egressText}; ${ingressText}` : `${ingressText}; ${egressText}`;
  }

  /** "ingress to x/a" / "egress from x/a", made once per endpoint. */
  private readonly labels: Record<Direction, string[]> = { ingress: [], egress: [] };
  private readonly ruleTexts = new Map<RuleRef, string>();

  private describeSide(direction: Direction, side: SideVerdict, subject: ResolvedEndpoint, peer: ResolvedEndpoint, what: string): string {
    let label = this.labels[direction][subject.index];
    if (label === undefined) {
      label = direction === 'ingress' ? `ingress to ${subject.name}` : `egress from ${subject.name}`;
      this.labels[direction][subject.index] = label;
    }
    if (subject.kind !== 'pod') return `${label} not isolated (${subject.name} is outside the cluster)`;
    const decision = side.decision;
    switch (decision.kind) {
      case 'not-isolated':
        return `${label} not isolated`;
      case 'rule':
        return `${label} ${decision.action === 'Allow' ? 'allowed' : 'denied'} by ${this.ruleText(decision.rule)}`;
      case 'end-of-tier': {
        const tier = this.set.applyingTo(subject, direction).tiers.find((t) => t.tier.name === decision.tier);
        const names = tier ? (tier.labels ??= tier.policies.map((p) => p.label).join(', ')) : '';
        const traffic = `${what} ${direction === 'ingress' ? 'from' : 'to'} ${peer.name}`;
        if (!this.set.calico) return `${label} blocked: no ${direction} rule of ${names} allows ${traffic}`;
        return `${label} blocked at the end of tier ${decision.tier} (its default action is Deny): no ${direction} rule of ${names} allows, denies or passes ${traffic}`;
      }
      case 'passed': {
        const how = decision.rule ? `passed on by ${this.ruleText(decision.rule)}` : `passed on by tier ${decision.tier} (its default action is Pass)`;
        return `${label} ${how}; no later tier selects ${subject.name}, so its namespace profile allows it`;
      }
    }
  }

  private ruleText(rule: RuleRef): string {
    let text = this.ruleTexts.get(rule);
    if (text === undefined) {
      const label = this.byId.get(rule.policy)?.label ?? rule.policy;
      text = this.set.calico ? `${label} rule ${rule.rule} (tier ${rule.tier})` : `${label} rule ${rule.rule}`;
      this.ruleTexts.set(rule, text);
    }
    return text;
  }
}

/** The first Allow, Deny or Pass rule of the tier's policies that matches; Log rules only log. */
function decideTier(policies: ApplyingTier['policies'], direction: Direction, flow: FlowContext): CompiledRule | undefined {
  for (const policy of policies) {
    for (const rule of policy.rules[direction]) {
      if (rule.action === 'Log' || !rule.matches(flow)) continue;
      return rule;
    }
  }
  return undefined;
}

export function sideAllows(side: SideVerdict): boolean {
  return decisionAllows(side.decision);
}

function decisionAllows(decision: SideDecision): boolean {
  return decision.kind === 'not-isolated' || decision.kind === 'passed' || (decision.kind === 'rule' && decision.action === 'Allow');
}

/** One flow against a model and its policies. To evaluate many flows, make one Oracle. */
export function evaluate(model: Model, policies: readonly PolicyResource[], flow: Flow): Verdict {
  return new Oracle(model, policies).evaluate(flow);
}
