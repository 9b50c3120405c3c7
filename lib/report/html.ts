// report.html: one self-contained page a person opens from CI artifacts. Stable hooks for tests
// and for people's own scripts: data-recipe, data-probe, data-verdict, class="mismatch".
import { cellOf, connectivityMark, type TruthTable } from '../oracle/truth-table.ts';
import type { Connectivity } from '../model/types.ts';
import { formatDuration } from './duration.ts';
import { reportCss } from './html-style.ts';
import { escapeHtml as h, splitSource } from './markup.ts';
import { isMismatch, phaseLabel, probeAt, probeTables, trafficOf, type ProbeTables } from './probe-tables.ts';
import type { Decision, PolicyText, ProbeReport, RecipeReport, Report } from './schema.ts';
import { changeText, enforcedText, hasOwnSteps } from './step-text.ts';
import { countsLine } from './summary-line.ts';

export function renderHtml(report: Report): string {
  return page(`NetworkPolicy conformance: run ${report.run.id}`, [
    runHeader(report),
    recipeNav(report.recipes),
    ...report.recipes.map(recipeSection),
  ]);
}

/** The HTML document around a body; shared with compare.html. */
export function page(title: string, body: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title>`,
    `<style>${reportCss}</style>`,
    '</head>',
    '<body>',
    ...body,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function runHeader(report: Report): string {
  const { run, summary } = report;
  const facts: [string, string][] = [
    ['Provider', run.provider],
    ['Calico', run.calico.version],
    ['Dataplane', run.calico.dataplane],
    ...(run.felix ? [['Felix', run.felix] as [string, string]] : []),
    ['Kubernetes', run.kubernetes],
    ['Started', run.startedAt],
    ['Duration', formatDuration(run.durationMs)],
  ];
  const status = summary.failed === 0 ? 'pass' : 'fail';
  return `<header class="run" id="run" data-run-id="${h(run.id)}" data-status="${h(status)}">
<h1>NetworkPolicy conformance <span class="muted">run ${h(run.id)}</span></h1>
<p class="counts" id="counts" data-probes="${h(summary.probes)}" data-passed="${h(summary.passed)}" data-failed="${h(summary.failed)}" data-check-failed="${h(summary.checkFailed)}">
${h(countsLine(summary))}</p>
<dl class="facts">${facts.map(([k, v]) => `<dt>${h(k)}</dt><dd data-fact="${h(k.toLowerCase())}">${h(v)}</dd>`).join('')}</dl>
</header>`;
}

function recipeStatus(recipe: RecipeReport): 'pass' | 'fail' {
  return recipe.probes.some((p) => p.verdict === 'fail') ? 'fail' : 'pass';
}

function recipeNav(recipes: RecipeReport[]): string {
  const items = recipes.map(
    (r) => `<li><a href="#recipe-${h(r.id)}" data-status="${recipeStatus(r)}">${h(r.id)} ${recipeStatus(r) === 'fail' ? '✗' : '✓'}</a></li>`,
  );
  return `<nav aria-label="recipes"><ul>${items.join('')}</ul></nav>`;
}

function recipeSection(recipe: RecipeReport): string {
  const failed = recipe.probes.filter((p) => p.verdict === 'fail').length;
  const tables = probeTables(recipe);
  return `<section class="recipe" id="recipe-${h(recipe.id)}" data-recipe="${h(recipe.id)}" data-status="${recipeStatus(recipe)}">
<div class="recipe-head"><h2>${h(recipe.id)} ${h(recipe.title)}</h2>
${sourceLink(recipe.source)}
<span class="muted">${recipe.probes.length - failed} passed, ${failed} failed · programmed in ${h(formatDuration(recipe.enforcement.programmedMs))} · ${h(recipe.tries)} ${recipe.tries === 1 ? 'try' : 'tries'}</span></div>
${recipe.notes ? `<p class="notes">${h(recipe.notes)}</p>` : ''}
<h3>Policies</h3>
${recipe.policies.length === 0 ? '<p class="muted">none</p>' : recipe.policies.map(policyBlock).join('\n')}
${hasOwnSteps(recipe) ? stepsTable(recipe) : ''}
<h3>Truth tables: expected vs observed</h3>
${legend}
<div class="tables">${tables.map((t) => truthFigure(t, recipe.tries > 1)).join('\n')}</div>
<h3>Probes</h3>
${probeTable(recipe.probes)}
</section>`;
}

function policyBlock(p: PolicyText): string {
  const step = p.step === undefined ? '' : ` <span class="muted">applied by step ${h(p.step)}</span>`;
  return `<div class="policy" data-policy="${h(p.name)}"${p.step === undefined ? '' : ` data-step="${h(p.step)}"`}><strong>${h(p.name)}</strong>${step}<pre class="policy-yaml">${h(p.yaml)}</pre></div>`;
}

/** The recipe's steps, try by try: what each changed and how long the rules took to show it. */
function stepsTable(recipe: RecipeReport): string {
  const rows = recipe.steps.map(
    (s) =>
      `<tr class="step" data-step="${h(s.name)}" data-try="${h(s.try)}" data-enforced-ms="${h(s.enforcedMs)}"><td>${h(s.name)}</td>${recipe.tries > 1 ? `<td>${h(s.try)}</td>` : ''}<td>${s.changes.length === 0 ? '<span class="muted">nothing changed</span>' : s.changes.map((c) => h(changeText(c))).join('<br>')}</td><td>${h(enforcedText(s))}</td></tr>`,
  );
  return `<h3>Steps</h3>
<table class="steps"><thead><tr><th>step</th>${recipe.tries > 1 ? '<th>try</th>' : ''}<th>changes</th><th>enforced in</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A link to the source's address (only http(s): a `javascript:` source must not run), then the rest of it as text. */
function sourceLink(source: string): string {
  const { url, rest } = splitSource(source);
  const text = rest === '' ? '' : ` <span class="source-text">${h(rest)}</span>`;
  return url === undefined ? `<span class="source">source: ${h(rest)}</span>` : `<a class="source" href="${h(url)}">source</a>${text}`;
}

const legend = `<div class="legend" aria-label="legend">
<span><span class="swatch" style="background: var(--match-bg)"></span><code>.</code> allowed, <code>X</code> blocked, <code>!</code> check failed: as expected</span>
<span><span class="swatch" style="background: var(--mismatch-bg)"></span>mismatch: observed differs from expected</span>
<span><span class="swatch" style="background: var(--check-failed-bg)"></span>check failed (infrastructure, never counted as blocked)</span>
<span><span class="swatch" style="background: var(--missing-bg)"></span><code>-</code> not probed</span>
</div>`;

function truthFigure(tables: ProbeTables, showTry: boolean): string {
  const caption = `${phaseLabel(tables.phase)} · ${tables.traffic}${showTry ? ` · try ${tables.try}` : ''}`;
  return `<figure class="truth" data-phase="${h(tables.phase)}" data-traffic="${h(tables.traffic)}" data-try="${h(tables.try)}" data-mismatches="${h(tables.mismatches.length)}">
<figcaption>${h(caption)}</figcaption>
<div class="pair">${truthTable('expected', tables.expected, tables)}${truthTable('observed', tables.observed, tables)}</div>
</figure>`;
}

function truthTable(side: 'expected' | 'observed', table: TruthTable<Connectivity>, tables: ProbeTables): string {
  const head = `<tr><th scope="col">from \\ to</th>${table.tos.map((to) => `<th scope="col">${h(to)}</th>`).join('')}</tr>`;
  const rows = table.froms.map((from) => {
    const cells = table.tos.map((to) => {
      const value = cellOf(table, from, to);
      const probe = probeAt(tables, from, to);
      if (value === undefined || probe === undefined) return `<td class="cell not-probed" data-from="${h(from)}" data-to="${h(to)}">-</td>`;
      const state = isMismatch(probe) ? 'mismatch' : 'match';
      const title = `${from} -> ${to}: expected ${probe.expected}, observed ${probe.observed}`;
      return `<td class="cell ${state} ${h(value)}" data-from="${h(from)}" data-to="${h(to)}" data-value="${h(value)}" title="${h(title)}">${connectivityMark(value)}</td>`;
    });
    return `<tr><th scope="row">${h(from)}</th>${cells.join('')}</tr>`;
  });
  return `<table class="truth-table ${h(side)}" data-side="${h(side)}"><caption>${h(side)}</caption><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>`;
}

function probeTable(probes: ProbeReport[]): string {
  const head = '<tr><th>verdict</th><th>try</th><th>phase</th><th>from</th><th>to</th><th>traffic</th><th>expected</th><th>observed</th><th>detail</th><th>decided by</th><th>time</th></tr>';
  return `<table class="probes"><thead>${head}</thead><tbody>${probes.map(probeRows).join('\n')}</tbody></table>`;
}

function probeRows(probe: ProbeReport): string {
  const attrs = `data-probe="${h(probe.id)}" data-try="${h(probe.try)}" data-verdict="${h(probe.verdict)}"`;
  const row = `<tr class="probe" ${attrs}>
<td class="verdict verdict-${h(probe.verdict)}">${h(probe.verdict)}</td><td>${h(probe.try)}</td><td>${h(probe.phase)}</td>
<td>${h(probe.from)}</td><td>${h(probe.to)}</td><td>${h(trafficOf(probe))}</td>
<td>${h(probe.expected)}</td><td class="observed ${isMismatch(probe) ? 'mismatch' : ''}">${h(probe.observed)}</td>
<td>${h(probe.detail)}</td><td>${probe.decidedBy ? h(probe.decidedBy.kind) + (probe.decidedBy.tier ? ` <span class="muted">(tier ${h(probe.decidedBy.tier)})</span>` : '') : '<span class="muted">none</span>'}</td><td>${h(formatDuration(probe.durationMs))}</td></tr>`;
  // Failing probes open their evidence: that is what a person opened the report for.
  const details = `<tr class="probe-evidence" ${attrs}><td colspan="11"><details${probe.verdict === 'fail' ? ' open' : ''}>
<summary>command, decision and counters</summary>
<p>Expected ${h(probe.expected)} because: ${h(probe.expectedReason)}</p>
<p>Reproduce:</p><pre class="command">${h(probe.command)}</pre>
${decisionText(probe.decidedBy)}
${countersTable(probe)}
</details></td></tr>`;
  return row + '\n' + details;
}

function decisionText(decision: Decision | null): string {
  if (decision === null) return '<p class="decided-by" data-kind="none">Decided by: no rule attributed.</p>';
  const tier = decision.tier ? ` in tier <strong>${h(decision.tier)}</strong>` : '';
  const policy = decision.policy ? ` from policy <strong>${h(decision.policy)}</strong>${tier}` : decision.tier ? ` at the end of tier <strong>${h(decision.tier)}</strong>` : '';
  return `<p class="decided-by" data-kind="${h(decision.kind)}">Decided by <strong>${h(decision.kind)}</strong>${policy} in chain <code>${h(decision.chain)}</code>:</p><pre class="decided-rule">${h(decision.rule)}</pre>`;
}

function countersTable(probe: ProbeReport): string {
  if (probe.counters.deltas.length === 0) return '<p class="counters-none muted">No counter moved.</p>';
  const rows = probe.counters.deltas.map(
    (d) => `<tr class="counter"><td>${h(d.node)}</td><td>${h(d.table)}</td><td>${h(d.chain)}</td><td class="rule">${h(d.rule)}</td><td>${h(d.packets)}</td><td>${h(d.bytes)}</td></tr>`,
  );
  return `<table class="counters"><caption>Rules that counted the probe's packets</caption><thead><tr><th>node</th><th>table</th><th>chain</th><th>rule</th><th>packets</th><th>bytes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
