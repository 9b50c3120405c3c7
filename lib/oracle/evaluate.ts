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
import type { CompiledPolicy, FlowContext } from './compiled.ts';
import { EndpointTable, type ResolvedEndpoint } from './endpoint.ts';
import { PolicySet, type ApplyingTier } from './policy-set.ts';
import type { Direction, Flow, RuleRef, SideDecision, SideVerdict, Verdict } from './types.ts';

/** What a ping sends. */
const ECHO_REQUEST = { type: 8, code: 0 };

const NOT_ISOLATED: SideVerdict = Object.freeze({ isolated: false, selectedBy: [], decision: { kind: 'not-isolated' } }) as SideVerdict;

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

  evaluate(flow: Flow): Verdict {
    return this.evaluateResolved(this.table.resolve(flow.from), this.table.resolve(flow.to), flow);
  }

  /** `from`/`to` must come from this oracle's table. */
  evaluateResolved(from: ResolvedEndpoint, to: ResolvedEndpoint, traffic: Pick<Flow, 'protocol' | 'port' | 'icmp'>): Verdict {
    const context: FlowContext = {
      source: from,
      destination: to,
      protocol: traffic.protocol,
      icmpType: (traffic.icmp ?? ECHO_REQUEST).type,
      icmpCode: (traffic.icmp ?? ECHO_REQUEST).code,
      family: (from.address ?? to.address)?.family ?? 4,
    };
    if (traffic.port !== undefined) context.port = traffic.port;
    const egress = this.decideSide('egress', from, context);
    const ingress = this.decideSide('ingress', to, context);
    const loopback = from.kind === 'pod' && to.kind === 'pod' && from.index === to.index;
    const allowed = loopback || (sideAllows(egress) && sideAllows(ingress));
    return { allowed, egress, ingress, reason: this.explain(context, egress, ingress, loopback) };
  }

  /** `subject` is the pod whose policies decide this side: the source for egress, the destination for ingress. */
  private decideSide(direction: Direction, subject: ResolvedEndpoint, flow: FlowContext): SideVerdict {
    if (subject.kind !== 'pod') return NOT_ISOLATED;
    const applying = this.set.applyingTo(subject, direction);
    if (applying.tiers.length === 0) return NOT_ISOLATED;
    const side = (decision: SideDecision): SideVerdict => {
      const verdict: SideVerdict = { isolated: true, selectedBy: applying.policyIds, decision };
      if (decision.kind === 'rule' && decision.action === 'Allow') verdict.allowedBy = decision.rule;
      return verdict;
    };
    let passed: SideDecision | undefined;
    for (const { tier, policies } of applying.tiers) {
      const outcome = decideTier(policies, direction, flow);
      if (outcome?.action === 'Allow' || outcome?.action === 'Deny') return side({ kind: 'rule', action: outcome.action, rule: outcome.rule });
      if (outcome?.action === 'Pass') passed = { kind: 'passed', tier: tier.name, rule: outcome.rule };
      else if (tier.defaultAction === 'Pass') passed = { kind: 'passed', tier: tier.name };
      else return side({ kind: 'end-of-tier', tier: tier.name });
    }
    return side(passed!);
  }

  private explain(flow: FlowContext, egress: SideVerdict, ingress: SideVerdict, loopback: boolean): string {
    const { source: from, destination: to } = flow;
    if (loopback) return `${from.name} to itself is loopback, which NetworkPolicy does not filter`;
    const what = flow.protocol === 'ICMP' || flow.port === undefined ? flow.protocol : `${flow.protocol}/${flow.port}`;
    const ingressText = this.describeSide('ingress', `ingress to ${to.name}`, ingress, to, `${what} from ${from.name}`);
    const egressText = this.describeSide('egress', `egress from ${from.name}`, egress, from, `${what} to ${to.name}`);
    // The side that blocks comes first: it is the answer to "why".
    const ordered = !sideAllows(egress) && sideAllows(ingress) ? [egressText, ingressText] : [ingressText, egressText];
    return ordered.join('; ');
  }

  private describeSide(direction: Direction, label: string, side: SideVerdict, subject: ResolvedEndpoint, what: string): string {
    if (subject.kind !== 'pod') return `${label} not isolated (${subject.name} is outside the cluster)`;
    const decision = side.decision;
    switch (decision.kind) {
      case 'not-isolated':
        return `${label} not isolated`;
      case 'rule':
        return `${label} ${decision.action === 'Allow' ? 'allowed' : 'denied'} by ${this.ruleText(decision.rule)}`;
      case 'end-of-tier': {
        const tier = this.set.applyingTo(subject, direction).tiers.find((t) => t.tier.name === decision.tier);
        const names = (tier?.policies ?? []).map((p) => p.label).join(', ');
        if (!this.set.calico) return `${label} blocked: no ${direction} rule of ${names} allows ${what}`;
        return `${label} blocked at the end of tier ${decision.tier} (its default action is Deny): no ${direction} rule of ${names} allows, denies or passes ${what}`;
      }
      case 'passed': {
        const how = decision.rule ? `passed on by ${this.ruleText(decision.rule)}` : `passed on by tier ${decision.tier} (its default action is Pass)`;
        return `${label} ${how}; no later tier selects ${subject.name}, so its namespace profile allows it`;
      }
    }
  }

  private ruleText(rule: RuleRef): string {
    const policy = this.byId.get(rule.policy);
    const label = policy?.label ?? rule.policy;
    return this.set.calico ? `${label} rule ${rule.rule} (tier ${rule.tier})` : `${label} rule ${rule.rule}`;
  }
}

/** The first Allow, Deny or Pass rule of the tier's policies that matches; Log rules only log. */
function decideTier(
  policies: ApplyingTier['policies'],
  direction: Direction,
  flow: FlowContext,
): { action: 'Allow' | 'Deny' | 'Pass'; rule: RuleRef } | undefined {
  for (const policy of policies) {
    for (const rule of policy.rules[direction]) {
      if (rule.action === 'Log' || !rule.matches(flow)) continue;
      return { action: rule.action, rule: { policy: policy.id, direction, rule: rule.index, tier: policy.tier } };
    }
  }
  return undefined;
}

export function sideAllows(side: SideVerdict): boolean {
  const decision = side.decision;
  return decision.kind === 'not-isolated' || decision.kind === 'passed' || (decision.kind === 'rule' && decision.action === 'Allow');
}

/** One flow against a model and its policies. To evaluate many flows, make one Oracle. */
export function evaluate(model: Model, policies: readonly PolicyResource[], flow: Flow): Verdict {
  return new Oracle(model, policies).evaluate(flow);
}
