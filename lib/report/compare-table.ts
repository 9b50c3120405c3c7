// The console table `compare` prints: changes first, then one-sided probes, then latency.
import type { Comparison } from './compare.ts';
import { outcomeText, probeText, runText, verdictLine } from './compare-text.ts';

export function renderCompareTable(c: Comparison): string {
  const lines = [`baseline:  ${runText(c.baseline)}`, `candidate: ${runText(c.candidate)}`, verdictLine(c)];
  const changed = c.probes.filter((p) => p.changes.length > 0);
  const oneSided = [
    ...c.onlyInBaseline.probes.map((p) => ['only in baseline', p.recipe, probeText(p), outcomeText(p.outcome), '-']),
    ...c.onlyInCandidate.probes.map((p) => ['only in candidate', p.recipe, probeText(p), '-', outcomeText(p.outcome)]),
  ];
  if (changed.length + oneSided.length > 0) {
    lines.push(
      '',
      textTable([
        ['change', 'recipe', 'probe', 'baseline', 'candidate'],
        ...changed.map((p) => [p.changes.join('+'), p.recipe, probeText(p), outcomeText(p.baseline), outcomeText(p.candidate)]),
        ...oneSided,
      ]),
    );
  }
  for (const [side, recipes] of [['baseline', c.onlyInBaseline.recipes], ['candidate', c.onlyInCandidate.recipes]] as const) {
    if (recipes.length > 0) lines.push(`recipes only in ${side}: ${recipes.join(', ')}`);
  }
  const { latency } = c;
  lines.push(
    '',
    `apply-to-enforced over ${latency.baseline.recipes} recipes: median ${latency.baseline.medianMs} -> ${latency.candidate.medianMs} ms, ` +
      `p95 ${latency.baseline.p95Ms} -> ${latency.candidate.p95Ms} ms`,
  );
  const slow = latency.recipes.filter((r) => r.slowdown);
  if (slow.length > 0) {
    lines.push(textTable([['slower', 'baseline', 'candidate', 'ratio'], ...slow.map((r) => [r.recipe, `${r.baselineMs} ms`, `${r.candidateMs} ms`, `${r.ratio}x`])]));
  }
  if (latency.steps.length > 0) {
    lines.push(
      '',
      textTable([
        ['step', 'baseline', 'candidate', 'ratio'],
        ...latency.steps.map((s) => [`${s.recipe} ${s.step}${s.slowdown ? ' (slower)' : ''}`, `${s.baselineMs} ms`, `${s.candidateMs} ms`, `${s.ratio}x`]),
      ]),
    );
  }
  return lines.join('\n') + '\n';
}

/** Columns padded to their widest cell; the first row is the header. */
function textTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}
