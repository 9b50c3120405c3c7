// The console's last words after a run: the counts, then for each failing recipe the expected and
// observed truth tables side by side (as Kubernetes' netpol e2e prints them), then where the
// reports are. Plain text, no colour codes, so it reads the same in CI logs.
import { decisionSource } from './decision-text.ts';
import { connectivityMark, renderTruthTable } from '../oracle/truth-table.ts';
import { phaseLabel, probeTables, trafficOf, type ProbeTables } from './probe-tables.ts';
import type { RecipeReport, Report } from './schema.ts';
import { hasOwnSteps, stepTimesText } from './step-text.ts';
import { countsLine, runLine } from './summary-line.ts';

/** `reportDir`: where writeReports put the files, for the "reports:" line. */
export function renderConsoleSummary(report: Report, reportDir?: string): string {
  const ok = report.summary.failed === 0;
  const lines = [`${ok ? 'PASS' : 'FAIL'} ${countsLine(report.summary)}`, runLine(report)];
  const stepped = report.recipes.filter(hasOwnSteps);
  if (stepped.length > 0) lines.push('steps enforced in:', ...stepped.map((r) => `  ${r.id}: ${stepTimesText(r)}`));
  for (const recipe of report.recipes.filter((r) => r.probes.some((p) => p.verdict === 'fail'))) {
    lines.push('', ...failingRecipe(recipe));
  }
  if (reportDir !== undefined) lines.push('', `reports: ${reportDir}/report.html (also report.json, junit.xml, summary.md)`);
  return lines.join('\n') + '\n';
}

function failingRecipe(recipe: RecipeReport): string[] {
  const lines = [`FAIL recipe ${recipe.id} ${recipe.title}`];
  for (const tables of probeTables(recipe).filter((t) => t.mismatches.length > 0)) {
    const tryText = recipe.tries > 1 ? `, try ${tables.try}` : '';
    lines.push(`  ${phaseLabel(tables.phase)}, ${tables.traffic}${tryText}: ${tables.mismatches.length} mismatch(es)`);
    lines.push(...sideBySide(tables), '');

    for (const probe of tables.mismatches) {
      lines.push(`  ${probe.from} -> ${probe.to} ${trafficOf(probe)}: expected ${probe.expected}, observed ${probe.observed} (${oneLine(probe.detail)})`);
      if (probe.decidedBy) lines.push(`    decided by ${probe.decidedBy.kind}${decisionSource(probe.decidedBy)}: ${probe.decidedBy.chain}: ${probe.decidedBy.rule}`);
      lines.push(`    reproduce: ${probe.command}`);
    }
    lines.push('');
  }
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Expected | observed tables, aligned line by line. */
function sideBySide(tables: ProbeTables): string[] {
  const missing = { missing: '-' };
  const expected = ['expected:', ...renderTruthTable(tables.expected, connectivityMark, missing).split('\n')];
  const observed = ['observed:', ...renderTruthTable(tables.observed, connectivityMark, missing).split('\n')];
  const width = Math.max(...expected.map((l) => l.length)) + 4;
  return expected.map((line, i) => `    ${line.padEnd(width)}${observed[i] ?? ''}`.trimEnd());
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ');
}
