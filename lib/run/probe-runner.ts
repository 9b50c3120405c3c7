// One probe, carried out: a full counter read of the nodes it crosses, the probe itself while
// its endpoint chains are watched, a full read after, and the delta attributed to the Calico
// rule that decided it. A drop counted on the probe's own endpoint while it is in flight ends it
// at once (evidence `counted-drop`); an answer ends it too; the connect timeout is the fallback.
import type { Cluster, ExecOptions, ExecResult } from '../cluster/provider.ts';
import {
  attribute,
  calicoChainName,
  chainsReachableFrom,
  diffSnapshots,
  endpointChainName,
  provenDrop,
  resolvePolicyChains,
  onlyChains,
  watchedChains,
  withChains,
  workloadInterfaceName,
} from '../counters/index.ts';
import type { Attribution, CounterDelta, CounterSnapshot, PolicyRef } from '../counters/index.ts';
import type { DecisionKind as CounterDecisionKind } from '../counters/index.ts';
import type { PodString } from '../model/types.ts';
import { addressOfFamily } from '../oracle/index.ts';
import { classifyProbe, probeCommand, type ProbeOutcome, type ProbeTimeouts } from '../probe/command.ts';
import type { PlannedProbe } from '../recipes/index.ts';
import type { CounterDeltaRow, Decision, DecisionKind, ProbeEvidence, ProbeReport } from '../report/schema.ts';
import { brokenFor, healthNote } from './cluster-health.ts';
import { readNodes, type CounterReaders } from './node-counters.ts';
import type { BlockedBy } from './options.ts';

/** Where the recipe's endpoints are: deployed pods and external hosts. */
export interface Placement {
  /** Deployed pod -> its node and addresses (`ips`: one per family, on a dual-stack cluster). */
  pods: Map<string, { node: string; ip: string; ips?: string[] }>;
  /** Recipe name of an external host -> its addresses and the name the provider knows it by. */
  externals: Map<string, { ip: string; ips?: string[]; host: string }>;
}

export interface ProbeContext {
  cluster: Cluster;
  counters: CounterReaders;
  calicoVersion: string;
  placement: Placement;
  /** Policies applied in this phase (Kubernetes and Calico), to name the policy behind a chain. */
  policies: PolicyRef[];
  /** Deployed tier name -> the recipe's tier name, so reports name tiers as the recipe does. */
  tierNames?: Record<string, string>;
  timeouts: ProbeTimeouts;
  blockedBy: BlockedBy;
  /**
   * The latest full read of each node, taken after the recipe's previous probe (or its last
   * enforcement check) and kept for the next probe's "before": the recipe's probes run one at a
   * time and nothing else sends packets through its chains, so their counters have not moved
   * since. Updated by every probe; cleared for a node whose probe failed part way.
   */
  baseline: Map<string, CounterSnapshot>;
  signal: AbortSignal;
}

/** The probe's own endpoints: the interface and node of its source and destination pods. */
interface ProbeEnds {
  source?: { iface: string; node: string };
  destination?: { iface: string; node: string };
}

function endpointName(e: PlannedProbe['flow']['from']): string {
  return 'pod' in e ? e.pod : e.external;
}

export async function runProbe(probe: PlannedProbe, attempt: 1 | 2, ctx: ProbeContext): Promise<ProbeReport> {
  const from = endpointName(probe.flow.from);
  const to = endpointName(probe.flow.to);
  const target = ctx.placement.pods.get(to) ?? ctx.placement.externals.get(to);
  const base = probeReportBase(probe, attempt);
  // The target's address of the probe's family (`ip` alone on a single-stack cluster).
  const address = target && addressOfFamily(target, probe.family);
  if (!address) return failedProbe(probe, attempt, `no ${probe.family} address for ${to}`);

  const argv = probeCommand(probe.protocol, address, probe.port, ctx.timeouts);
  const sourcePod = ctx.placement.pods.get(from);
  const command = sourcePod
    ? ctx.cluster.reproduceInPod(from as PodString, argv)
    : `(on external host ${ctx.placement.externals.get(from)?.host ?? from}) ${argv.join(' ')}`;
  const ends = probeEnds(probe, ctx.placement);
  const nodes = [...new Set([ends.source?.node, ends.destination?.node].filter((n): n is string => n !== undefined))];
  const exec = (options: ExecOptions): Promise<ExecResult> =>
    sourcePod
      ? ctx.cluster.execInPod(from as PodString, argv, options)
      : ctx.cluster.execInExternalHost(ctx.placement.externals.get(from)?.host ?? from, argv, options);

  const started = Date.now();
  // A probe that depends on a dead component (felix, the API server, its server) says nothing
  // about policy: check-failed, naming the component, never a verdict.
  const broken = brokenFor(ctx.cluster, [from, to]);
  if (broken) return { ...failedProbe(probe, attempt, broken), command };
  try {
    const before = await baselineOf(nodes, ctx);
    const outcome = await carryOut(exec, probe, ends, before, ctx);
    const after = new Map(await Promise.all(nodes.map(async (node) => [node, await readAfter(node, ends, before.get(node)!, ctx)] as const)));
    for (const [node, snapshot] of after) ctx.baseline.set(node, snapshot);

    const deltas: CounterDeltaRow[] = [];
    const decisions: Decision[] = [];
    for (const node of nodes) {
      // The probe's own chains only: all its attribution reads, and nothing of other recipes.
      const own = ownChains(ends, node, after.get(node)!);
      const delta = diffSnapshots(onlyChains(before.get(node)!, own), onlyChains(after.get(node)!, own));
      deltas.push(...rows(node, delta));
      const attribution = attribute(delta, {
        ...interfaces(ends),
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
    // A timeout no Calico rule dropped is no verdict: the packets were lost outside policy (a
    // link gone, a component dead), so the probe is check-failed, never `blocked`.
    if (outcome.observed === 'blocked' && outcome.evidence === 'timeout' && !(decidedBy && isDeny(decidedBy))) {
      return {
        ...failedProbe(probe, attempt, `${outcome.detail}, but no Calico rule dropped the probe's packets: they were lost outside policy${healthNote(ctx.cluster, [from, to])}`),
        durationMs: Date.now() - started,
        command,
        counters: { deltas },
        decidedBy,
      };
    }
    const verdict = outcome.observed === probe.expected ? 'pass' : 'fail';
    return {
      ...base,
      observed: outcome.observed,
      detail: outcome.detail,
      verdict,
      durationMs: Date.now() - started,
      command,
      counters: { deltas },
      decidedBy,
      evidence: outcome.evidence,
    };
  } catch (e) {
    // What this probe sent may not have been read yet: the next probe reads afresh.
    for (const node of nodes) ctx.baseline.delete(node);
    if (ctx.signal.aborted) throw e;
    const detail = `probe infrastructure error: ${e instanceof Error ? e.message : String(e)}${healthNote(ctx.cluster, [from, to])}`;
    return { ...failedProbe(probe, attempt, detail), durationMs: Date.now() - started, command };
  }
}

/**
 * The node's counters after the probe. Only the probe's own chains can have moved: one or two of
 * them are listed by name and the rest kept as it was; more are cheaper in one full read, which
 * the node's reader shares with every other probe asking at the time.
 */
async function readAfter(node: string, ends: ProbeEnds, before: CounterSnapshot, ctx: ProbeContext): Promise<CounterSnapshot> {
  const reader = ctx.counters.get(node)!;
  const own = [...ownChains(ends, node, before)];
  if (own.length > 2) return reader.read(ctx.signal);
  return withChains(before, await reader.readChainsNow(own, ctx.signal));
}

/** The kept full read of each node, read afresh where there is none. */
async function baselineOf(nodes: string[], ctx: ProbeContext): Promise<Map<string, CounterSnapshot>> {
  const missing = nodes.filter((n) => !ctx.baseline.has(n));
  const fresh = missing.length > 0 ? await readNodes(ctx.counters, missing, ctx.signal) : new Map<string, CounterSnapshot>();
  return new Map(nodes.map((n) => [n, ctx.baseline.get(n) ?? fresh.get(n)!]));
}

type Outcome = Omit<ProbeOutcome, 'evidence'> & { evidence: ProbeEvidence };

/**
 * Runs the probe; with `blockedBy: counters` it watches the probe's endpoint chains meanwhile
 * and stops the probe when one of them counted a drop of its packets.
 */
async function carryOut(
  exec: (options: ExecOptions) => Promise<ExecResult>,
  probe: PlannedProbe,
  ends: ProbeEnds,
  before: Map<string, CounterSnapshot>,
  ctx: ProbeContext,
): Promise<Outcome> {
  const stop = new AbortController();
  const running = exec({ timeoutMs: ctx.timeouts.connectSeconds * 1000 * 3 + 5000, signal: AbortSignal.any([ctx.signal, stop.signal]) });
  try {
    const proof = ctx.blockedBy === 'counters' ? watchForDrop(ends, before, ctx, stop.signal) : new Promise<never>(() => {});
    const first = await Promise.race([running.then((result) => ({ result })), proof.then((attribution) => ({ attribution }))]);
    if ('result' in first) return classifyProbe(probe.protocol, first.result, ctx.timeouts);
    stop.abort();
    // The stopped probe's own ending (killed, or cancelled on kind) says nothing more.
    await running.catch(() => undefined);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const rule = first.attribution.decidedBy?.rule;
    return {
      observed: 'blocked',
      detail: `${rule?.target === 'REJECT' ? 'rejected' : 'dropped'} in flight by ${rule ? calicoChainName(rule.chain) : 'a Calico rule'} (${first.attribution.kind})`,
      evidence: 'counted-drop',
    };
  } finally {
    stop.abort();
  }
}

/**
 * The watch starts a little after the probe: most probes are answered within a few milliseconds
 * and never need it, and a drop counted meanwhile is still there at the first read.
 */
const watchDelayMs = 15;

/** Resolves with the proving attribution once a watched chain counted a drop of the probe. */
function watchForDrop(ends: ProbeEnds, before: Map<string, CounterSnapshot>, ctx: ProbeContext, signal: AbortSignal): Promise<Attribution> {
  return new Promise<Attribution>((resolve) => {
    const timer = setTimeout(() => watch(resolve), watchDelayMs);
    signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  });

  function watch(resolve: (proof: Attribution) => void): void {
    if (signal.aborted) return;
    for (const [node, snapshot] of before) {
      const endpoints = endpointChainsOn(ends, node);
      if (endpoints.length === 0) continue;
      ctx.counters.get(node)?.watch(
        watchedChains(snapshot, endpoints),
        (now) => {
          const proof = provenDrop(snapshot, now, interfaces(ends));
          if (proof) resolve(proof);
        },
        signal,
      );
    }
  }
}

function probeEnds(probe: PlannedProbe, placement: Placement): ProbeEnds {
  const end = (e: PlannedProbe['flow']['from']): { iface: string; node: string } | undefined => {
    if (!('pod' in e)) return undefined;
    const pod = placement.pods.get(e.pod);
    if (!pod) return undefined;
    const [ns, name] = e.pod.split('/') as [string, string];
    return { iface: workloadInterfaceName(ns, name), node: pod.node };
  };
  const out: ProbeEnds = {};
  const source = end(probe.flow.from);
  const destination = end(probe.flow.to);
  if (source) out.source = source;
  if (destination) out.destination = destination;
  return out;
}

/** The endpoint chains of the probe that live on this node. */
function endpointChainsOn(ends: ProbeEnds, node: string): string[] {
  const chains: string[] = [];
  if (ends.source?.node === node) chains.push(endpointChainName(ends.source.iface, 'egress'));
  if (ends.destination?.node === node) chains.push(endpointChainName(ends.destination.iface, 'ingress'));
  return chains;
}

/** The probe's endpoint chains on this node and every policy/profile chain they reach. */
function ownChains(ends: ProbeEnds, node: string, snapshot: CounterSnapshot): Set<string> {
  const own = new Set<string>();
  for (const endpoint of endpointChainsOn(ends, node)) {
    own.add(endpoint);
    for (const chain of chainsReachableFrom(snapshot, endpoint)) own.add(chain);
  }
  return own;
}

function interfaces(ends: ProbeEnds): { sourceInterface?: string; destinationInterface?: string } {
  const out: { sourceInterface?: string; destinationInterface?: string } = {};
  if (ends.source) out.sourceInterface = ends.source.iface;
  if (ends.destination) out.destinationInterface = ends.destination.iface;
  return out;
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
    family: probe.family,
    expected: probe.expected,
    expectedReason: probe.reason,
  };
}

/** A probe that could not be carried out: check-failed with the reason, never `blocked`. */
export function failedProbe(probe: PlannedProbe, attempt: 1 | 2, detail: string): ProbeReport {
  return {
    ...probeReportBase(probe, attempt),
    observed: 'check-failed',
    detail,
    verdict: 'fail',
    durationMs: 0,
    command: '',
    counters: { deltas: [] },
    decidedBy: null,
    evidence: 'error',
  };
}

function isDeny(decision: Decision): boolean {
  return decision.kind.endsWith('drop') || decision.kind === 'policy-deny';
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
