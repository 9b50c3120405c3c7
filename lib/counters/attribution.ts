// Which felix chains and rules decided a probe. Felix evaluates a forwarded packet in the source
// pod's cali-fw-<iface> chain (egress) and then the destination pod's cali-tw-<iface> chain
// (ingress) (felix/rules/endpoints.go endpointIptablesChain). Each endpoint chain: conntrack
// rules, clear marks, per tier "Start of tier" + a jump per policy + "Return if policy accepted",
// the end-of-tier drop, then a jump per profile + "Return if profile accepted", and the final
// "Drop if no profiles matched".
import type { Connectivity } from '../model/types.ts';
import type { CounterDelta, CounterSnapshot, RuleDelta } from './types.ts';
import { chainsReachableFrom, endpointChainName } from './endpoint-chains.ts';
import { calicoChainName, chainRole, COMMENTS, hasComment } from './chains.ts';
import type { CalicoMarks } from './marks.ts';
import { isDeny, learnMarks, setsBit } from './marks.ts';

export type DecisionKind =
  | 'policy-allow' // a cali-pi-/cali-po- rule set the accept mark
  | 'policy-deny' // a cali-pi-/cali-po- rule dropped or rejected the packet
  | 'end-of-tier-drop' // no policy in a tier accepted or passed the packet
  | 'profile-allow' // no policy applied in this direction; the namespace/serviceaccount profile accepted
  | 'no-profile-drop' // "Drop if no profiles matched"
  | 'admin-down-drop' // "Endpoint admin disabled"
  | 'invalid-drop' // conntrack INVALID drop
  | 'established' // only conntrack ACCEPT moved: an earlier packet of the flow was decided before
  | 'no-policy' // no endpoint chain of this probe moved: Calico policy never saw the packets
  | 'conflicting' // both an allow and a drop moved in the same window and nothing breaks the tie
  | 'unknown'; // endpoint chain moved but no rule felix uses for a verdict

const BLOCKING: readonly DecisionKind[] = ['policy-deny', 'end-of-tier-drop', 'no-profile-drop', 'admin-down-drop', 'invalid-drop'];
const ALLOWING: readonly DecisionKind[] = ['policy-allow', 'profile-allow'];

export interface AttributionContext {
  /** Host-side interface of the source pod (workloadInterfaceName): selects cali-fw-<iface>. */
  sourceInterface?: string;
  /** Host-side interface of the destination pod: selects cali-tw-<iface>. */
  destinationInterface?: string;
  /** What the probe observed; breaks the tie when a window saw both an allow and a drop. */
  observed?: Connectivity;
}

export interface StageAttribution {
  direction: 'egress' | 'ingress';
  /** Logical chain name (nft layer prefix stripped), e.g. cali-tw-cali1234567890a. */
  endpointChain: string;
  kind: DecisionKind;
  /** The rule that decided: the accept-mark rule in the policy/profile chain, the policy's drop,
   * or the endpoint chain's drop. */
  decidedBy?: RuleDelta;
  /** For allows: the endpoint chain's "Return if policy/profile accepted" that acted on the mark. */
  returnedBy?: RuleDelta;
  /** Policy or profile chain holding `decidedBy`, when it is not the endpoint chain. */
  policyChain?: string;
}

export interface Attribution {
  kind: DecisionKind;
  verdict: 'allowed' | 'blocked' | 'unknown';
  decidedBy?: RuleDelta;
  /** Egress stage first (the order the packet meets them). */
  stages: StageAttribution[];
  /** Every cali-* chain whose rules moved (logical names, after-snapshot order). */
  chains: string[];
  policyChains: string[];
  profileChains: string[];
  /** Every cali-* rule that moved. */
  rules: RuleDelta[];
  marks: CalicoMarks;
}

export function attribute(delta: CounterDelta, ctx: AttributionContext = {}): Attribution {
  const marks = learnMarks(delta.after);
  const rules = delta.rules.filter((d) => chainRole(d.rule.chain) !== 'other');
  const chains = unique(rules.map((d) => calicoChainName(d.rule.chain)));
  const stages = endpointChainsFor(chains, ctx).map((s) => evaluateStage(s.chain, s.direction, rules, delta.after, marks, ctx.observed));
  const overall = combine(stages);
  return {
    ...overall,
    stages,
    chains,
    policyChains: chains.filter((c) => ['policy-ingress', 'policy-egress'].includes(chainRole(c))),
    profileChains: chains.filter((c) => ['profile-ingress', 'profile-egress'].includes(chainRole(c))),
    rules,
    marks,
  };
}

function endpointChainsFor(hitChains: string[], ctx: AttributionContext): { chain: string; direction: 'egress' | 'ingress' }[] {
  if (ctx.sourceInterface !== undefined || ctx.destinationInterface !== undefined) {
    const out: { chain: string; direction: 'egress' | 'ingress' }[] = [];
    if (ctx.sourceInterface !== undefined) out.push({ chain: endpointChainName(ctx.sourceInterface, 'egress'), direction: 'egress' });
    if (ctx.destinationInterface !== undefined) out.push({ chain: endpointChainName(ctx.destinationInterface, 'ingress'), direction: 'ingress' });
    // A pod outside this node (or a host) has no endpoint chain here; judge only what moved.
    return out.filter((s) => hitChains.includes(s.chain));
  }
  const egress = hitChains.filter((c) => chainRole(c) === 'from-workload').map((chain) => ({ chain, direction: 'egress' as const }));
  const ingress = hitChains.filter((c) => chainRole(c) === 'to-workload').map((chain) => ({ chain, direction: 'ingress' as const }));
  return [...egress, ...ingress];
}

interface Candidate {
  kind: DecisionKind;
  decidedBy: RuleDelta;
  returnedBy?: RuleDelta;
  policyChain?: string;
}

function evaluateStage(
  endpointChain: string,
  direction: 'egress' | 'ingress',
  hits: RuleDelta[],
  after: CounterSnapshot,
  marks: CalicoMarks,
  observed: Connectivity | undefined,
): StageAttribution {
  const own = hits.filter((d) => calicoChainName(d.rule.chain) === endpointChain);
  const reachable = chainsReachableFrom(after, endpointChain);
  const inPolicies = hits.filter((d) => reachable.has(calicoChainName(d.rule.chain)) && isPolicyOrProfile(d.rule.chain));
  const candidates: Candidate[] = [];

  for (const d of inPolicies) {
    const chain = calicoChainName(d.rule.chain);
    const isProfile = chainRole(chain).startsWith('profile');
    if (isDeny(d.rule.target) && !isProfile) candidates.push({ kind: 'policy-deny', decidedBy: d, policyChain: chain });
  }
  for (const d of own) {
    const r = d.rule;
    if (isDeny(r.target)) {
      if (hasComment(r, COMMENTS.endOfTier)) candidates.push({ kind: 'end-of-tier-drop', decidedBy: d });
      else if (hasComment(r, COMMENTS.noProfile)) candidates.push({ kind: 'no-profile-drop', decidedBy: d });
      else if (hasComment(r, COMMENTS.adminDown)) candidates.push({ kind: 'admin-down-drop', decidedBy: d });
      else if (/--ctstate INVALID|"state"/.test(r.text) && /INVALID|invalid/.test(r.text)) candidates.push({ kind: 'invalid-drop', decidedBy: d });
    } else if (hasComment(r, COMMENTS.policyAccepted) || hasComment(r, COMMENTS.profileAccepted)) {
      const profile = hasComment(r, COMMENTS.profileAccepted);
      const setter = inPolicies.find((p) => setsBit(p.rule.markSet, marks.accept) && chainRole(p.rule.chain).startsWith('profile') === profile);
      candidates.push({
        kind: profile ? 'profile-allow' : 'policy-allow',
        decidedBy: setter ?? d,
        returnedBy: d,
        ...(setter ? { policyChain: calicoChainName(setter.rule.chain) } : {}),
      });
    }
  }
  const chosen = choose(candidates, observed);
  if (chosen) return { direction, endpointChain, ...chosen };
  const established = own.find((d) => d.rule.target === 'ACCEPT' && /ESTABLISHED|established/.test(d.rule.text));
  if (established) return { direction, endpointChain, kind: 'established', decidedBy: established };
  return { direction, endpointChain, kind: 'unknown' };
}

function choose(candidates: Candidate[], observed: Connectivity | undefined): Candidate | { kind: 'conflicting' } | undefined {
  const byPriority = (kinds: readonly DecisionKind[]): Candidate | undefined =>
    kinds.map((k) => candidates.find((c) => c.kind === k)).find((c) => c !== undefined);
  const block = byPriority(BLOCKING);
  const allow = byPriority(ALLOWING);
  if (block && allow) {
    if (observed === 'blocked') return block;
    if (observed === 'allowed') return allow;
    return { kind: 'conflicting' };
  }
  return block ?? allow;
}

function combine(stages: StageAttribution[]): Pick<Attribution, 'kind' | 'verdict' | 'decidedBy'> {
  if (stages.length === 0) return { kind: 'no-policy', verdict: 'unknown' };
  const blocked = stages.find((s) => BLOCKING.includes(s.kind));
  if (blocked) return pick(blocked, 'blocked');
  const conflicting = stages.find((s) => s.kind === 'conflicting' || s.kind === 'unknown');
  if (conflicting) return { kind: conflicting.kind, verdict: 'unknown' };
  if (stages.every((s) => ALLOWING.includes(s.kind) || s.kind === 'established')) {
    // Report the policy that let the flow in, preferring ingress (the destination's policy).
    const byPolicy = [...stages].reverse().find((s) => s.kind === 'policy-allow');
    const last = stages[stages.length - 1];
    const chosen = byPolicy ?? [...stages].reverse().find((s) => s.kind === 'profile-allow') ?? last;
    return chosen ? pick(chosen, 'allowed') : { kind: 'unknown', verdict: 'unknown' };
  }
  return { kind: 'unknown', verdict: 'unknown' };
}

function pick(stage: StageAttribution, verdict: 'allowed' | 'blocked'): Pick<Attribution, 'kind' | 'verdict' | 'decidedBy'> {
  return stage.decidedBy ? { kind: stage.kind, verdict, decidedBy: stage.decidedBy } : { kind: stage.kind, verdict };
}

function isPolicyOrProfile(chain: string): boolean {
  return ['policy-ingress', 'policy-egress', 'profile-ingress', 'profile-egress'].includes(chainRole(chain));
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
