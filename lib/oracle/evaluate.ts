// The NetworkPolicy oracle: what networking.k8s.io/v1 NetworkPolicy says must happen to one flow.
import type { Model, NetworkPolicy, PodSpec } from '../model/types.ts';
import { resolveEndpoint, type ResolvedEndpoint } from './endpoint.ts';
import { peersMatch } from './peers.ts';
import { isolatingPolicies, policyId } from './policy.ts';
import { portsMatch } from './ports.ts';
import type { Direction, Flow, SideVerdict, Verdict } from './types.ts';

/**
 * A flow is allowed when the source's egress AND the destination's ingress allow it. A side is
 * isolated only when a policy selecting that pod has the direction in its policyTypes; then the
 * union of those policies' rules must admit the flow. External hosts are never isolated.
 * A pod talking to itself is loopback: it never leaves the pod, so it is always allowed (as
 * Kubernetes' netpol e2e `AllowLoopback` expects); the sides still show what policy says.
 */
export function evaluate(model: Model, policies: NetworkPolicy[], flow: Flow): Verdict {
  const from = resolveEndpoint(model, flow.from, flow.family);
  const to = resolveEndpoint(model, flow.to, flow.family);
  const egress = decideSide(policies, flow, 'egress', from, to);
  const ingress = decideSide(policies, flow, 'ingress', to, from);
  const loopback = from.kind === 'pod' && to.kind === 'pod' && from.name === to.name;
  const allowed = loopback || (sideAllows(egress) && sideAllows(ingress));
  return { allowed, egress, ingress, reason: explain(flow, from, to, egress, ingress, loopback) };
}

function sideAllows(side: SideVerdict): boolean {
  return !side.isolated || side.allowedBy !== undefined;
}

/**
 * `subject` is the pod whose policies decide this side (source for egress, destination for
 * ingress); `peer` is the other end. Named ports always resolve on the flow's destination.
 */
function decideSide(
  policies: NetworkPolicy[],
  flow: Flow,
  direction: Direction,
  subject: ResolvedEndpoint,
  peer: ResolvedEndpoint,
): SideVerdict {
  if (subject.kind !== 'pod') return { isolated: false, selectedBy: [] };
  const isolating = isolatingPolicies(policies, subject.pod, direction === 'ingress' ? 'Ingress' : 'Egress');
  const side: SideVerdict = { isolated: isolating.length > 0, selectedBy: isolating.map(policyId) };
  const destination: PodSpec | undefined =
    direction === 'ingress' ? subject.pod : peer.kind === 'pod' ? peer.pod : undefined;
  for (const policy of isolating) {
    const rules =
      direction === 'ingress'
        ? (policy.spec.ingress ?? []).map((rule) => ({ peers: rule.from, ports: rule.ports }))
        : (policy.spec.egress ?? []).map((rule) => ({ peers: rule.to, ports: rule.ports }));
    const index = rules.findIndex(
      (rule) =>
        peersMatch(rule.peers, policy.metadata.namespace, peer) &&
        portsMatch(rule.ports, flow.protocol, flow.port, destination),
    );
    if (index !== -1) {
      side.allowedBy = { policy: policyId(policy), direction, rule: index };
      break;
    }
  }
  return side;
}

function explain(
  flow: Flow,
  from: ResolvedEndpoint,
  to: ResolvedEndpoint,
  egress: SideVerdict,
  ingress: SideVerdict,
  loopback: boolean,
): string {
  const traffic = flow.protocol === 'ICMP' || flow.port === undefined ? flow.protocol : `${flow.protocol}/${flow.port}`;
  // IPv4 is the unnamed default, so reasons written before dual-stack read the same.
  const what = flow.family === 'IPv6' ? `${traffic} over IPv6` : traffic;
  const ingressText = describeSide('ingress', `ingress to ${to.name}`, ingress, to, `${what} from ${from.name}`);
  const egressText = describeSide('egress', `egress from ${from.name}`, egress, from, `${what} to ${to.name}`);
  if (loopback) return `${from.name} to itself is loopback, which NetworkPolicy does not filter`;
  // The side that blocks comes first: it is the answer to "why".
  const ordered = !sideAllows(egress) && sideAllows(ingress) ? [egressText, ingressText] : [ingressText, egressText];
  return ordered.join('; ');
}

function describeSide(
  direction: Direction,
  label: string,
  side: SideVerdict,
  subject: ResolvedEndpoint,
  what: string,
): string {
  if (subject.kind !== 'pod') return `${label} not isolated (${subject.name} is outside the cluster)`;
  if (!side.isolated) return `${label} not isolated`;
  if (side.allowedBy) return `${label} allowed by ${side.allowedBy.policy} rule ${side.allowedBy.rule}`;
  return `${label} blocked: no ${direction} rule of ${side.selectedBy.join(', ')} allows ${what}`;
}
