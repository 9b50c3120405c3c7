// compare.html: baseline and candidate side by side, changes first, unchanged probes folded away.
import type { Comparison, OneSidedProbe, ProbeComparison, ProbeOutcome, RunIdentity } from './compare.ts';
import { changeLabels, probeText, verdictLine } from './compare-text.ts';
import { page } from './html.ts';
import { escapeHtml as h } from './markup.ts';

export function renderCompareHtml(c: Comparison): string {
  const changed = c.probes.filter((p) => p.changes.length > 0);
  const unchanged = c.probes.filter((p) => p.changes.length === 0);
  return page(`Calico release gate: ${c.baseline.calico.version} vs ${c.candidate.calico.version}`, [
    `<header class="run" id="compare" data-regressed="${c.regressed}">`,
    `<h1>Calico release gate: ${h(c.baseline.calico.version)} → ${h(c.candidate.calico.version)}</h1>`,
    `<p class="counts" id="verdict">${h(verdictLine(c))}</p>`,
    `<div class="pair">${runFacts('baseline', c.baseline)}${runFacts('candidate', c.candidate)}</div>`,
    '</header>',
    '<section id="changes"><h2>Changes</h2>',
    changed.length === 0 ? '<p class="muted">No probe changed.</p>' : probesTable(changed),
    '</section>',
    oneSidedSection(c),
    latencySection(c),
    `<section id="unchanged"><h2>Unchanged</h2><details><summary>${unchanged.length} probes behaved the same</summary>`,
    probesTable(unchanged),
    '</details></section>',
  ]);
}

function runFacts(side: string, run: RunIdentity): string {
  const facts: [string, string][] = [
    ['Run', run.id],
    ['Provider', run.provider],
    ['Calico', run.calico.version],
    ['Dataplane', run.calico.dataplane],
    ...(run.felix ? [['Felix', run.felix] as [string, string]] : []),
    ['Kubernetes', run.kubernetes],
  ];
  return `<div data-side="${side}"><h3>${side}</h3><dl class="facts">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd>${h(v)}</dd>`).join('')}</dl></div>`;
}

function probesTable(probes: ProbeComparison[]): string {
  const rows = probes.map((p) => {
    const first = p.changes[0] ?? 'none';
    const labels = p.changes.map((k) => `<span class="change-${k}">${h(changeLabels[k])}</span>`).join('<br>');
    return `<tr class="change" data-change="${h(first)}" data-key="${h(p.key)}"><td>${labels || 'unchanged'}</td><td>${h(p.recipe)}</td><td>${h(probeText(p))}</td>${outcomeCells(p.baseline)}${outcomeCells(p.candidate)}</tr>`;
  });
  return `<table class="compare"><thead>${compareHead('change')}</thead><tbody>${rows.join('\n')}</tbody></table>`;
}

function compareHead(first: string): string {
  return `<tr><th rowspan="2">${first}</th><th rowspan="2">recipe</th><th rowspan="2">probe</th><th colspan="3">baseline</th><th colspan="3">candidate</th></tr>
<tr><th>verdict</th><th>observed</th><th>decided by</th><th>verdict</th><th>observed</th><th>decided by</th></tr>`;
}

function outcomeCells(outcome: ProbeOutcome | undefined): string {
  if (outcome === undefined) return '<td colspan="3" class="muted">not probed</td>';
  const tier = outcome.decidedBy?.tier ? ` (tier ${h(outcome.decidedBy.tier)})` : '';
  const decided = outcome.decidedBy ? `${outcome.decidedBy.kind}${tier}<br><code>${h(outcome.decidedBy.chain)}</code>` : 'no rule';
  return `<td class="verdict verdict-${h(outcome.verdict)}">${h(outcome.verdict)}</td><td title="${h(outcome.detail)}">${h(outcome.observed)}</td><td>${decided}</td>`;
}

function oneSidedSection(c: Comparison): string {
  const rows = [
    ...c.onlyInBaseline.probes.map((p) => oneSidedRow('baseline', p)),
    ...c.onlyInCandidate.probes.map((p) => oneSidedRow('candidate', p)),
  ];
  const recipes = [
    ...c.onlyInBaseline.recipes.map((r) => `<li data-only-in="baseline">recipe ${h(r)} only in baseline</li>`),
    ...c.onlyInCandidate.recipes.map((r) => `<li data-only-in="candidate">recipe ${h(r)} only in candidate</li>`),
  ];
  if (rows.length + recipes.length === 0) return '';
  return `<section id="one-sided"><h2>Only in one report</h2><ul>${recipes.join('')}</ul>
${rows.length > 0 ? `<table class="compare"><thead>${compareHead('only in')}</thead><tbody>${rows.join('\n')}</tbody></table>` : ''}</section>`;
}

function oneSidedRow(side: 'baseline' | 'candidate', p: OneSidedProbe): string {
  const cells = side === 'baseline' ? outcomeCells(p.outcome) + outcomeCells(undefined) : outcomeCells(undefined) + outcomeCells(p.outcome);
  return `<tr class="one-sided" data-only-in="${side}" data-key="${h(p.key)}"><td>${side}</td><td>${h(p.recipe)}</td><td>${h(probeText(p))}</td>${cells}</tr>`;
}

function latencySection(c: Comparison): string {
  const { latency } = c;
  const rows = latency.recipes.map(
    (r) =>
      `<tr data-recipe="${h(r.recipe)}" data-slowdown="${r.slowdown}"><td>${h(r.recipe)}</td><td>${r.baselineMs} ms</td><td>${r.candidateMs} ms</td><td class="${r.slowdown ? 'slowdown' : ''}">${r.ratio}x</td></tr>`,
  );
  return `<section id="latency"><h2>Apply-to-enforced latency</h2>
<p>Over ${latency.baseline.recipes} recipes: median ${latency.baseline.medianMs} ms → ${latency.candidate.medianMs} ms, p95 ${latency.baseline.p95Ms} ms → ${latency.candidate.p95Ms} ms. Recipes slower than ${latency.slowdownRatio}x are highlighted.</p>
<table class="latency"><thead><tr><th>recipe</th><th>baseline</th><th>candidate</th><th>ratio</th></tr></thead><tbody>${rows.join('')}</tbody></table>${stepLatencyTable(c)}</section>`;
}

/** Recipes with their own steps: each step that changes something, by name. */
function stepLatencyTable(c: Comparison): string {
  if (c.latency.steps.length === 0) return '';
  const rows = c.latency.steps.map(
    (s) =>
      `<tr data-recipe="${h(s.recipe)}" data-step="${h(s.step)}" data-slowdown="${s.slowdown}"><td>${h(s.recipe)}</td><td>${h(s.step)}</td><td>${s.baselineMs} ms</td><td>${s.candidateMs} ms</td><td class="${s.slowdown ? 'slowdown' : ''}">${s.ratio}x</td></tr>`,
  );
  return `
<h3>Per step</h3>
<table class="latency steps"><thead><tr><th>recipe</th><th>step</th><th>baseline</th><th>candidate</th><th>ratio</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
