// What makes a run fail: a probe whose last try differs from the oracle, and a verdict that no
// Calico rule backs up (every verdict must come with the rule that produced it).
import type { ProbeReport, RecipeReport } from '../report/schema.ts';
import { lastTry } from '../report/schema.ts';

const denyKinds = new Set(['end-of-tier-drop', 'policy-deny', 'other-drop']);

/** Why the counters do not back the observation up, or undefined when they do. */
export function evidenceProblem(p: ProbeReport): string | undefined {
  if (p.observed === 'check-failed') return undefined;
  if (!p.decidedBy) return `observed ${p.observed}, but no Calico rule counted the probe's packets`;
  const denied = denyKinds.has(p.decidedBy.kind);
  if (p.observed === 'blocked' && !denied) return `observed blocked, but the deciding rule is a ${p.decidedBy.kind}`;
  if (p.observed === 'allowed' && denied) return `observed allowed, but the deciding rule is a ${p.decidedBy.kind}`;
  return undefined;
}

/** Expected, observed, why, what decided it and how to reproduce, for each try of a probe. */
export function describeTries(tries: ProbeReport[]): string {
  return tries
    .map((p) => {
      const rules = p.counters.deltas.map((d) => `      ${d.node} ${d.chain}: ${d.rule} [${d.packets} pkts]`).join('\n');
      return [
        `try ${p.try}: expected ${p.expected}, observed ${p.observed} (${p.detail})`,
        `    why expected: ${p.expectedReason}`,
        `    decided by: ${p.decidedBy ? `${p.decidedBy.kind} ${p.decidedBy.chain}: ${p.decidedBy.rule}${p.decidedBy.policy ? ` (${p.decidedBy.policy})` : ''}` : 'no rule found'}`,
        `    reproduce: ${p.command}`,
        rules ? `    counters:\n${rules}` : '    counters: no rule counted a packet',
      ].join('\n');
    })
    .join('\n');
}

/** One line per problem of the recipe's final verdicts: failed probes and unbacked verdicts. */
export function recipeProblems(recipe: RecipeReport): string[] {
  return lastTry(recipe).flatMap((p) => {
    if (p.verdict === 'fail') return [`${recipe.id} ${p.id}: expected ${p.expected}, observed ${p.observed} (${p.detail})`];
    const evidence = evidenceProblem(p);
    return evidence ? [`${recipe.id} ${p.id}: ${evidence}`] : [];
  });
}
