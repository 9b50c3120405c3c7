// summary.md: short enough for $GITHUB_STEP_SUMMARY; the HTML report holds the details.
import { decisionSource } from './decision-text.ts';
import { escapeMarkdownText as text, markdownCode, splitSource } from './markup.ts';
import { phaseLabel, trafficOf } from './probe-tables.ts';
import type { ProbeReport, Report } from './schema.ts';
import { lastTrySteps } from './schema.ts';
import { changesText, enforcedText, hasOwnSteps } from './step-text.ts';
import { countsLine, runLine } from './summary-line.ts';

export function renderMarkdown(report: Report): string {
  const ok = report.summary.failed === 0;
  const lines = [
    `## ${ok ? '✅' : '❌'} NetworkPolicy conformance: ${countsLine(report.summary)}`,
    '',
    `${runLine(report)}. Run \`${report.run.id}\`.`,
    '',
    '| Recipe | Title | Passed | Failed | Programmed in |',
    '| --- | --- | ---: | ---: | ---: |',
    ...report.recipes.map((r) => {
      const failed = r.probes.filter((p) => p.verdict === 'fail').length;
      const { url, rest } = splitSource(r.source);
      const title = `${url === undefined ? text(r.title) : `[${text(r.title)}](${url.replace(/[()\s]/g, encodeURIComponent)})`}${rest === '' ? '' : ` (${text(rest)})`}`;
      return `| ${failed > 0 ? '❌' : '✅'} ${text(r.id)} | ${title} | ${r.probes.length - failed} | ${failed} | ${r.enforcement.programmedMs} ms |`;
    }),
  ];
  const stepped = report.recipes.filter(hasOwnSteps);
  if (stepped.length > 0) {
    lines.push('', '### Steps', '', '| Recipe | Step | Changes | Enforced in |', '| --- | --- | --- | ---: |');
    for (const r of stepped) {
      for (const step of lastTrySteps(r)) lines.push(`| ${text(r.id)} | ${text(step.name)} | ${text(changesText(step))} | ${enforcedText(step)} |`);
    }
  }
  const failing = report.recipes.flatMap((r) => r.probes.filter((p) => p.verdict === 'fail').map((p) => failingLine(r.id, p)));
  if (failing.length > 0) lines.push('', '### Failing probes', '', ...failing);
  return lines.join('\n') + '\n';
}

function failingLine(recipeId: string, probe: ProbeReport): string {
  const decided = probe.decidedBy ? `; decided by ${probe.decidedBy.kind}${text(decisionSource(probe.decidedBy))} in ${markdownCode(probe.decidedBy.chain)}` : '; no rule attributed';
  return (
    `- **${recipeId}** ${markdownCode(`${probe.from} -> ${probe.to} ${trafficOf(probe)}`)} ` +
    `(${phaseLabel(probe.phase)}, try ${probe.try}): expected **${probe.expected}**, observed **${probe.observed}** ` +
    `(${text(probe.detail)})${decided}. Reproduce: ${markdownCode(probe.command)}`
  );
}
