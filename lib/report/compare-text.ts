// Words shared by the compare renderers, so console, Markdown and HTML say the same thing.
import type { Comparison, ProbeChangeKind, ProbeIdentity, ProbeOutcome, RunIdentity } from './compare.ts';

export const changeLabels: Record<ProbeChangeKind, string> = {
  regression: 'regression (pass -> fail)',
  fix: 'fix (fail -> pass)',
  observed: 'observed connectivity changed',
  'decided-by-kind': 'decided by another kind of rule',
  'decided-by-tier': 'decided in another Calico tier',
};

/** "Calico v3.31.7 (iptables) on netns, run abc" */
export function runText(run: RunIdentity): string {
  return `Calico ${run.calico.version} (${run.calico.dataplane}) on ${run.provider}, run ${run.id}`;
}

/** The probe without its recipe: "after x/a -> x/b tcp/80" */
export function probeText(p: ProbeIdentity): string {
  return p.key.slice(p.recipe.length + 1);
}

/** "pass, allowed, policy-allow" (with " in tier security" when a Calico tier is known) */
export function outcomeText(outcome: ProbeOutcome): string {
  const tier = outcome.decidedBy?.tier ? ` in tier ${outcome.decidedBy.tier}` : '';
  return `${outcome.verdict}, ${outcome.observed}, ${outcome.decidedBy?.kind ?? 'no rule'}${tier}`;
}

export function verdictLine(c: Comparison): string {
  const { counts } = c;
  const parts = [
    `${counts.matched} probes matched`,
    `${counts.regressions} regressions`,
    `${counts.fixes} fixes`,
    `${counts.observedChanges} observed changes`,
    `${counts.decisionChanges} decided-by changes`,
    `${counts.onlyInBaseline} only in baseline`,
    `${counts.onlyInCandidate} only in candidate`,
    `${counts.slowdowns} recipes slower than ${c.latency.slowdownRatio}x`,
  ];
  return `${c.regressed ? 'REGRESSED' : 'NO REGRESSION'}: ${parts.join(', ')}`;
}
