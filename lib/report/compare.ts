// The release gate's comparison of two runs (issue 6): pure, so every rule of what counts as a
// regression is unit-tested on constructed reports. Probes are matched by what they test
// (recipe, phase, source, target, protocol, port), never by position or probe id.
import { InputError } from '../errors.ts';
import type { Connectivity, ProbeProtocol } from '../model/types.ts';
import { latencyOf, type LatencyComparison } from './compare-latency.ts';
import type { Decision, Expectation, ProbePhase, ProbeReport, ProbeVerdict, Report, RunInfo } from './schema.ts';

// Version 2: a probe's phase is the name of the step it ran after (report.json version 2), and
// latency lists the steps of recipes with their own steps.
export const compareSchemaVersion = 2;

export interface CompareOptions {
  /** Flag a recipe whose apply-to-enforced time grew beyond this factor. Default 1.5. */
  slowdownRatio?: number;
  /** Compare only the recipes both reports share instead of refusing different recipe sets. */
  allowPartial?: boolean;
}

/** Why a matched probe is listed as changed; a probe can have several. */
export type ProbeChangeKind = 'regression' | 'fix' | 'observed' | 'decided-by-kind' | 'decided-by-tier';

/** What one side saw for a probe (its last try). */
export interface ProbeOutcome {
  id: string;
  try: 1 | 2;
  expected: Expectation;
  observed: Connectivity;
  verdict: ProbeVerdict;
  detail: string;
  decidedBy: Decision | null;
  command: string;
}

/** What a probe tests; the matching key. */
export interface ProbeIdentity {
  /** "01 after x/a -> x/b tcp/80" */
  key: string;
  recipe: string;
  phase: ProbePhase;
  from: string;
  to: string;
  protocol: ProbeProtocol;
  port?: number;
  /** Set for probes over IPv6: a dual-stack run probes each pair over both families. */
  family?: 'IPv6';
}

export interface ProbeComparison extends ProbeIdentity {
  baseline: ProbeOutcome;
  candidate: ProbeOutcome;
  /** Empty when nothing changed. */
  changes: ProbeChangeKind[];
}

export interface OneSidedProbe extends ProbeIdentity {
  outcome: ProbeOutcome;
}

export interface OneSide {
  recipes: string[];
  probes: OneSidedProbe[];
}

export type RunIdentity = Pick<RunInfo, 'id' | 'provider' | 'calico' | 'felix' | 'kubernetes'>;

export interface Comparison {
  schemaVersion: typeof compareSchemaVersion;
  baseline: RunIdentity;
  candidate: RunIdentity;
  options: Required<CompareOptions>;
  /** True when some probe went from pass to fail: the gate's exit 1. */
  regressed: boolean;
  counts: {
    matched: number;
    unchanged: number;
    regressions: number;
    fixes: number;
    observedChanges: number;
    decisionChanges: number;
    onlyInBaseline: number;
    onlyInCandidate: number;
    slowdowns: number;
  };
  /** Every matched probe: changed ones first (regressions, fixes, other changes), then unchanged. */
  probes: ProbeComparison[];
  onlyInBaseline: OneSide;
  onlyInCandidate: OneSide;
  latency: LatencyComparison;
}

export function compareReports(baseline: Report, candidate: Report, options: CompareOptions = {}): Comparison {
  const slowdownRatio = options.slowdownRatio ?? 1.5;
  const allowPartial = options.allowPartial ?? false;
  if (!(slowdownRatio > 0)) throw new InputError(`slowdown ratio must be a positive number, got ${slowdownRatio}`);
  const baseRecipes = baseline.recipes.map((r) => r.id);
  const candRecipes = candidate.recipes.map((r) => r.id);
  const recipesOnlyInBaseline = baseRecipes.filter((id) => !candRecipes.includes(id));
  const recipesOnlyInCandidate = candRecipes.filter((id) => !baseRecipes.includes(id));
  if (!allowPartial && (recipesOnlyInBaseline.length > 0 || recipesOnlyInCandidate.length > 0)) {
    throw new InputError(
      `the reports cover different recipe sets (only in baseline: ${recipesOnlyInBaseline.join(', ') || 'none'}; ` +
        `only in candidate: ${recipesOnlyInCandidate.join(', ') || 'none'}); pass --allow-partial to compare the recipes both share`,
    );
  }

  const baseProbes = lastTries(baseline);
  const candProbes = lastTries(candidate);
  const matched: ProbeComparison[] = [];
  const onlyInBaseline: OneSidedProbe[] = [];
  for (const [key, base] of baseProbes) {
    const cand = candProbes.get(key);
    if (cand === undefined) onlyInBaseline.push({ ...base.identity, outcome: base.outcome });
    else matched.push({ ...base.identity, baseline: base.outcome, candidate: cand.outcome, changes: changesOf(base.outcome, cand.outcome) });
  }
  const onlyInCandidate = [...candProbes].filter(([key]) => !baseProbes.has(key)).map(([, c]) => ({ ...c.identity, outcome: c.outcome }));

  const latency = latencyOf(baseline, candidate, slowdownRatio);
  const count = (kind: ProbeChangeKind) => matched.filter((p) => p.changes.includes(kind)).length;
  const regressions = count('regression');
  return {
    schemaVersion: compareSchemaVersion,
    baseline: identityOf(baseline.run),
    candidate: identityOf(candidate.run),
    options: { slowdownRatio, allowPartial },
    regressed: regressions > 0,
    counts: {
      matched: matched.length,
      unchanged: matched.filter((p) => p.changes.length === 0).length,
      regressions,
      fixes: count('fix'),
      observedChanges: count('observed'),
      decisionChanges: count('decided-by-kind') + count('decided-by-tier'),
      onlyInBaseline: onlyInBaseline.length,
      onlyInCandidate: onlyInCandidate.length,
      slowdowns: latency.recipes.filter((r) => r.slowdown).length,
    },
    probes: changesFirst(matched),
    onlyInBaseline: { recipes: recipesOnlyInBaseline, probes: onlyInBaseline },
    onlyInCandidate: { recipes: recipesOnlyInCandidate, probes: onlyInCandidate },
    latency,
  };
}

function changesOf(base: ProbeOutcome, cand: ProbeOutcome): ProbeChangeKind[] {
  const changes: ProbeChangeKind[] = [];
  if (base.verdict === 'pass' && cand.verdict === 'fail') changes.push('regression');
  if (base.verdict === 'fail' && cand.verdict === 'pass') changes.push('fix');
  if (base.observed !== cand.observed) changes.push('observed');
  if ((base.decidedBy?.kind ?? null) !== (cand.decidedBy?.kind ?? null)) changes.push('decided-by-kind');
  // Tiers are named as the recipe names them, so two runs compare; another tier deciding the same
  // probe means Calico's tier order or Pass handling changed.
  else if ((base.decidedBy?.tier ?? null) !== (cand.decidedBy?.tier ?? null)) changes.push('decided-by-tier');
  return changes;
}

const changeOrder: ProbeChangeKind[] = ['regression', 'fix', 'observed', 'decided-by-kind', 'decided-by-tier'];

function changesFirst(probes: ProbeComparison[]): ProbeComparison[] {
  const rank = (p: ProbeComparison) => (p.changes.length === 0 ? changeOrder.length : changeOrder.indexOf(p.changes[0]!));
  // Array.prototype.sort is stable, so within a rank the baseline's order is kept.
  return [...probes].sort((a, b) => rank(a) - rank(b));
}

/** Each probe's last try, by matching key, in report order. */
function lastTries(report: Report): Map<string, { identity: ProbeIdentity; outcome: ProbeOutcome }> {
  const byKey = new Map<string, { identity: ProbeIdentity; outcome: ProbeOutcome }>();
  for (const recipe of report.recipes) {
    for (const probe of recipe.probes) {
      const identity = identityOfProbe(recipe.id, probe);
      const seen = byKey.get(identity.key);
      if (seen === undefined || probe.try >= seen.outcome.try) byKey.set(identity.key, { identity, outcome: outcomeOf(probe) });
    }
  }
  return byKey;
}

function identityOfProbe(recipe: string, probe: ProbeReport): ProbeIdentity {
  const traffic = probe.port === undefined ? probe.protocol : `${probe.protocol}/${probe.port}`;
  // IPv4 keys are those of reports written before dual-stack (no family), so they still match.
  const v6 = probe.family === 'IPv6';
  return {
    key: `${recipe} ${probe.phase} ${probe.from} -> ${probe.to} ${traffic}${v6 ? ' IPv6' : ''}`,
    recipe,
    phase: probe.phase,
    from: probe.from,
    to: probe.to,
    protocol: probe.protocol,
    ...(probe.port === undefined ? {} : { port: probe.port }),
    ...(v6 ? { family: 'IPv6' as const } : {}),
  };
}

function outcomeOf(probe: ProbeReport): ProbeOutcome {
  const { id, expected, observed, verdict, detail, decidedBy, command } = probe;
  return { id, try: probe.try, expected, observed, verdict, detail, decidedBy, command };
}

function identityOf(run: RunInfo): RunIdentity {
  const { id, provider, calico, felix, kubernetes } = run;
  return { id, provider, calico, ...(felix === undefined ? {} : { felix }), kubernetes };
}
