// One probe, carried out: counters of the nodes involved before, the probe, counters after,
// the delta attributed to the Calico rule that decided it.
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { attribute, diffSnapshots, resolvePolicyChains, workloadInterfaceName } from '../counters/index.ts';
import type { Attribution, CounterDelta, PolicyRef } from '../counters/index.ts';
import type { DecisionKind as CounterDecisionKind } from '../counters/index.ts';
import type { PodString } from '../model/types.ts';
import { classifyProbe, probeCommand, type ProbeTimeouts } from '../probe/command.ts';
import type { PlannedProbe } from '../recipes/index.ts';
import type { CounterDeltaRow, Decision, DecisionKind, ProbeReport } from '../report/schema.ts';
import { snapshotNodes } from './node-counters.ts';

/** Where the recipe's endpoints are: deployed pods and external hosts. */
export interface Placement {
  pods: Map<string, { node: string; ip: string }>;
  /** Recipe name of an external host -> its address and the name the provider knows it by. */
  externals: Map<string, { ip: string; host: string }>;
}

export interface ProbeContext {
  cluster: Cluster;
  dataplane: Dataplane;
  calicoVersion: string;
  placement: Placement;
  /** Policies applied in this phase (Kubernetes and Calico), to name the policy behind a chain. */
  policies: PolicyRef[];
  /** Deployed tier name -> the recipe's tier name, so reports name tiers as the recipe does. */
  tierNames?: Record<string, string>;
  timeouts: ProbeTimeouts;
  signal: AbortSignal;
}

function endpointName(e: PlannedProbe['flow']['from']): string {
  return 'pod' in e ? e.pod : e.external;
}

export async function runProbe(probe: PlannedProbe, attempt: 1 | 2, ctx: ProbeContext): Promise<ProbeReport> {
  const from = endpointName(probe.flow.from);
  const to = endpointName(probe.flow.to);
  const target = ctx.placement.pods.get(to) ?? ctx.placement.externals.get(to);
  const source = ctx.placement.pods.get(from);
  const base = probeReportBase(probe, attempt);

  if (!target) {
    return { ...base, observed: 'check-failed', detail: `no address for ${to}`, verdict: 'fail', durationMs: 0, command: '', counters: { deltas: [] }, decidedBy: null };
  }
  const argv = probeCommand(probe.protocol, target.ip, probe.port, ctx.timeouts);
  const command = source
    ? ctx.cluster.reproduceInPod(from as PodString, argv)
    : `(on external host ${ctx.placement.externals.get(from)?.host ?? from}) ${argv.join(' ')}`;
  const nodes = [...new Set([source?.node, ctx.placement.pods.get(to)?.node].filter((n): n is string => n !== undefined))];

  const started = Date.now();
  try {
    const before = await snapshotNodes(ctx.cluster, nodes, ctx.dataplane, ctx.signal);
    const execOptions = { timeoutMs: ctx.timeouts.connectSeconds * 1000 * 3 + 5000, signal: ctx.signal };
    const result = source
      ? await ctx.cluster.execInPod(from as PodString, argv, execOptions)
      : await ctx.cluster.execInExternalHost(ctx.placement.externals.get(from)?.host ?? from, argv, execOptions);
    const after = await snapshotNodes(ctx.cluster, nodes, ctx.dataplane, ctx.signal);
    const outcome = classifyProbe(probe.protocol, result);

    const deltas: CounterDeltaRow[] = [];
    const decisions: Decision[] = [];
    for (const node of nodes) {
      const delta = diffSnapshots(before.get(node)!, after.get(node)!);
      deltas.push(...rows(node, delta));
      const attribution = attribute(delta, {
        ...interfaces(probe),
        ...(outcome.observed !== 'check-failed' ? { observed: outcome.observed } : {}),
      });
      const decision = toDecision(attribution, delta, ctx);
      if (decision) decisions.push(decision);
    }
    // A drop on either node decides the flow; otherwise a policy that let it through (the
    // destination's first), else the destination's node (listed last). The same choice
    // lib/counters/attribution.ts makes when both pods share a node, so the deciding rule does not
    // depend on where the scheduler put the pods.
    const decidedBy = decisions.find(isDeny) ?? [...decisions].reverse().find((d) => d.kind === 'policy-allow') ?? decisions.at(-1) ?? null;
    // With FilterDenyAction=REJECT a denied connection is refused, not dropped: the counters
    // show the reject rule that did it, so the flow is blocked by policy, not "refused, allowed".
    if (outcome.observed === 'allowed' && /refused|unreachable/.test(outcome.detail) && decidedBy && isDeny(decidedBy) && /\breject\b/i.test(decidedBy.rule)) {
      outcome.observed = 'blocked';
      outcome.detail = `${outcome.detail} by a Calico reject rule (${decidedBy.chain})`;
    }
    const verdict = outcome.observed === probe.expected ? 'pass' : 'fail';
    return { ...base, observed: outcome.observed, detail: outcome.detail, verdict, durationMs: Date.now() - started, command, counters: { deltas }, decidedBy };
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    const detail = `probe infrastructure error: ${e instanceof Error ? e.message : String(e)}`;
    return { ...base, observed: 'check-failed', detail, verdict: 'fail', durationMs: Date.now() - started, command, counters: { deltas: [] }, decidedBy: null };
  }
}

/** What every report of this probe carries, whatever happened when it ran. */
export function probeReportBase(probe: PlannedProbe, attempt: 1 | 2) {
  return {
    id: probe.id,
    try: attempt,
    phase: probe.phase,
    // The recipe's names, not the run-suffixed ones, so two runs' reports compare probe by probe.
    from: probe.from,
    to: probe.to,
    protocol: probe.protocol,
    ...(probe.port !== undefined ? { port: probe.port } : {}),
    expected: probe.expected,
    expectedReason: probe.reason,
  };
}

function isDeny(decision: Decision): boolean {
  return decision.kind.endsWith('drop') || decision.kind === 'policy-deny';
}

function interfaces(probe: PlannedProbe): { sourceInterface?: string; destinationInterface?: string } {
  const out: { sourceInterface?: string; destinationInterface?: string } = {};
  if ('pod' in probe.flow.from) out.sourceInterface = ifaceOf(probe.flow.from.pod);
  if ('pod' in probe.flow.to) out.destinationInterface = ifaceOf(probe.flow.to.pod);
  return out;
}

function ifaceOf(pod: string): string {
  const [ns, name] = pod.split('/') as [string, string];
  return workloadInterfaceName(ns, name);
}

function rows(node: string, delta: CounterDelta): CounterDeltaRow[] {
  return delta.rules.map((d) => ({ node, table: d.rule.table, chain: d.rule.chain, rule: d.rule.text, packets: d.packets, bytes: d.bytes }));
}

const kindMap: Partial<Record<CounterDecisionKind, DecisionKind>> = {
  'policy-allow': 'policy-allow',
  'policy-deny': 'policy-deny',
  'end-of-tier-drop': 'end-of-tier-drop',
  'profile-allow': 'profile-allow',
  'no-profile-drop': 'other-drop',
  'admin-down-drop': 'other-drop',
  'invalid-drop': 'other-drop',
};

function toDecision(attribution: Attribution, delta: CounterDelta, ctx: ProbeContext): Decision | null {
  const kind = kindMap[attribution.kind];
  const rule = attribution.decidedBy?.rule;
  if (!kind || !rule) return null;
  const decision: Decision = { chain: rule.chain, rule: rule.text, kind };
  const policyChain = attribution.stages.find((s) => s.decidedBy?.rule.key === rule.key)?.policyChain ?? attribution.policyChains[0];
  if (policyChain && (kind === 'policy-allow' || kind === 'policy-deny')) {
    const resolved = resolvePolicyChains([policyChain], ctx.policies, { calicoVersion: ctx.calicoVersion, snapshot: delta.after });
    const hit = resolved.values().next().value;
    if (hit) {
      decision.policy = decisionPolicy(hit.policy);
      decision.tier = reportedTier(hit.policy.tier ?? 'default', ctx);
    }
  }
  // "End of tier <name>. Drop if no policies passed packet" (felix/rules/endpoints.go).
  const endOfTier = kind === 'end-of-tier-drop' ? /^End of tier (\S+)\./.exec(attribution.decidedBy?.rule.comments.find((c) => c.startsWith('End of tier')) ?? '') : null;
  if (endOfTier) decision.tier = reportedTier(endOfTier[1]!, ctx);
  return decision;
}

/** "ns/name" for a Kubernetes NetworkPolicy (as before), "np:ns/name" / "gnp:name" for Calico's, as the oracle names them. */
function decisionPolicy(policy: PolicyRef): string {
  const name = `${policy.namespace ? `${policy.namespace}/` : ''}${policy.name}`;
  if (policy.kind === 'NetworkPolicy') return `np:${name}`;
  if (policy.kind === 'GlobalNetworkPolicy') return `gnp:${name}`;
  return name;
}

function reportedTier(tier: string, ctx: ProbeContext): string {
  return ctx.tierNames?.[tier] ?? tier;
}
