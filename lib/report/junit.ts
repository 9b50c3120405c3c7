// junit.xml: one testcase per probe result (classname = recipe id, name = probe id) so CI test
// views list every probe; a mismatch is a <failure>, an infrastructure error an <error>.
import { decisionSource } from './decision-text.ts';
import { escapeXml as x } from './markup.ts';
import { phaseLabel } from './probe-tables.ts';
import type { ProbeReport, RecipeReport, Report } from './schema.ts';
import { lastTrySteps } from './schema.ts';

export function renderJUnit(report: Report): string {
  const { summary, run } = report;
  const errors = summary.checkFailed;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="netpol-conformance" tests="${summary.probes}" failures="${summary.failed - errors}" errors="${errors}" time="${seconds(run.durationMs)}">`,
    ...report.recipes.map((recipe) => testsuite(report, recipe)),
    '</testsuites>',
    '',
  ].join('\n');
}

function testsuite(report: Report, recipe: RecipeReport): string {
  const errors = recipe.probes.filter(isError).length;
  const failures = recipe.probes.filter((p) => p.verdict === 'fail').length - errors;
  const time = recipe.probes.reduce((sum, p) => sum + p.durationMs, 0);
  const { run } = report;
  const properties = [
    ['provider', run.provider],
    ['calico.version', run.calico.version],
    ['calico.dataplane', run.calico.dataplane],
    ['kubernetes', run.kubernetes],
    ['source', recipe.source],
    ['programmedMs', String(recipe.enforcement.programmedMs)],
    // Per step of the last try, as CI dashboards read properties: step.<name>.enforcedMs.
    ...lastTrySteps(recipe)
      .filter((s) => s.changes.length > 0)
      .map((s) => [`step.${s.name}.enforcedMs`, String(s.enforcedMs)]),
  ];
  return [
    `  <testsuite name="${x(`${recipe.id} ${recipe.title}`)}" tests="${recipe.probes.length}" failures="${failures}" errors="${errors}" time="${seconds(time)}" timestamp="${x(run.startedAt.replace(/Z$/, ''))}">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${x(name!)}" value="${x(value!)}"/>`),
    '    </properties>',
    ...recipe.probes.map((probe) => testcase(recipe, probe)),
    '  </testsuite>',
  ].join('\n');
}

function testcase(recipe: RecipeReport, probe: ProbeReport): string {
  // A second try repeats every probe id; the suffix keeps testcase names unique for CI.
  const name = probe.try === 1 ? probe.id : `${probe.id} [try ${probe.try}]`;
  const open = `    <testcase classname="${x(recipe.id)}" name="${x(name)}" time="${seconds(probe.durationMs)}"`;
  if (probe.verdict === 'pass') return `${open}/>`;
  const element = isError(probe) ? 'error' : 'failure';
  const message = `expected ${probe.expected}, observed ${probe.observed} (${probe.detail})`;
  return [
    `${open}>`,
    `      <${element} type="${isError(probe) ? 'check-failed' : 'mismatch'}" message="${x(message)}">${x(failureText(probe))}</${element}>`,
    '    </testcase>',
  ].join('\n');
}

function failureText(probe: ProbeReport): string {
  const decided = probe.decidedBy
    ? `${probe.decidedBy.kind}${decisionSource(probe.decidedBy)}: ${probe.decidedBy.chain}: ${probe.decidedBy.rule}`
    : 'no rule attributed';
  return [
    `${phaseLabel(probe.phase)}, try ${probe.try}: ${probe.from} -> ${probe.to} ${probe.protocol}${probe.port === undefined ? '' : `/${probe.port}`}`,
    `expected: ${probe.expected} (${probe.expectedReason})`,
    `observed: ${probe.observed} (${probe.detail})`,
    `decided by: ${decided}`,
    'counters:',
    ...(probe.counters.deltas.length === 0
      ? ['  (no counter moved)']
      : probe.counters.deltas.map((d) => `  ${d.node} ${d.table} ${d.chain} +${d.packets} pkts +${d.bytes} bytes: ${d.rule}`)),
    `reproduce: ${probe.command}`,
  ].join('\n');
}

function isError(probe: ProbeReport): boolean {
  return probe.observed === 'check-failed';
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}
