// compare.md: the release gate's job summary.
import type { Comparison, OneSidedProbe } from './compare.ts';
import { changeLabels, outcomeText, probeText, runText, verdictLine } from './compare-text.ts';
import { escapeMarkdownText as text } from './markup.ts';

export function renderCompareMarkdown(c: Comparison): string {
  const lines = [
    `## ${c.regressed ? '❌' : '✅'} Calico release gate: ${text(c.baseline.calico.version)} → ${text(c.candidate.calico.version)}`,
    '',
    `- Baseline: ${text(runText(c.baseline))}`,
    `- Candidate: ${text(runText(c.candidate))}`,
    '',
    text(verdictLine(c)),
  ];
  const changed = c.probes.filter((p) => p.changes.length > 0);
  if (changed.length > 0) {
    lines.push('', '### Changes', '', '| Change | Recipe | Probe | Baseline | Candidate |', '| --- | --- | --- | --- | --- |');
    for (const p of changed) {
      const label = p.changes.map((k) => (k === 'regression' ? `**${text(changeLabels[k])}**` : text(changeLabels[k]))).join('; ');
      lines.push(`| ${label} | ${text(p.recipe)} | ${text(probeText(p))} | ${text(outcomeText(p.baseline))} | ${text(outcomeText(p.candidate))} |`);
    }
  }
  const oneSided = [...c.onlyInBaseline.probes.map((p) => oneSidedRow('baseline', p)), ...c.onlyInCandidate.probes.map((p) => oneSidedRow('candidate', p))];
  const recipes = [
    ...(c.onlyInBaseline.recipes.length > 0 ? [`- Recipes only in baseline: ${text(c.onlyInBaseline.recipes.join(', '))}`] : []),
    ...(c.onlyInCandidate.recipes.length > 0 ? [`- Recipes only in candidate: ${text(c.onlyInCandidate.recipes.join(', '))}`] : []),
  ];
  if (oneSided.length + recipes.length > 0) lines.push('', '### Only in one report', '', ...recipes, ...oneSided);
  const { latency } = c;
  lines.push(
    '',
    '### Apply-to-enforced latency',
    '',
    '| | Baseline | Candidate |',
    '| --- | ---: | ---: |',
    `| median over ${latency.baseline.recipes} recipes | ${latency.baseline.medianMs} ms | ${latency.candidate.medianMs} ms |`,
    `| p95 | ${latency.baseline.p95Ms} ms | ${latency.candidate.p95Ms} ms |`,
    ...latency.recipes.filter((r) => r.slowdown).map((r) => `| ⚠️ recipe ${text(r.recipe)} slower than ${latency.slowdownRatio}x (${r.ratio}x) | ${r.baselineMs} ms | ${r.candidateMs} ms |`),
    ...latency.steps.map((s) => `| ${s.slowdown ? '⚠️ ' : ''}recipe ${text(s.recipe)} step ${text(s.step)} (${s.ratio}x) | ${s.baselineMs} ms | ${s.candidateMs} ms |`),
  );
  return lines.join('\n') + '\n';
}

function oneSidedRow(side: 'baseline' | 'candidate', p: OneSidedProbe): string {
  return `- only in ${side}: ${text(p.recipe)} ${text(probeText(p))} (${text(outcomeText(p.outcome))})`;
}
