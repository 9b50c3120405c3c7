// Recipes with steps in every view: the steps by name with what they changed and how long the
// dataplane took (report.html, summary.md, junit.xml, the console), and compare per step.
import { expect } from 'chai';
import { compareReports } from './compare.ts';
import { renderCompareHtml } from './compare-html.ts';
import { renderCompareTable } from './compare-table.ts';
import { renderCompareMarkdown } from './compare-markdown.ts';
import { renderConsoleSummary } from './console.ts';
import { renderHtml } from './html.ts';
import { renderJUnit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import { phaseLabel } from './probe-tables.ts';
import { passingRecipe, sampleReport, steppedRecipe } from './sample-report.ts';

describe('recipes with steps in the reports', () => {
  const report = sampleReport([passingRecipe(), steppedRecipe()]);

  it('report.html: a steps table with each step\'s changes and time, truth tables by step, the source link and test name', () => {
    const html = renderHtml(report);
    expect(html).to.contain('<tr class="step" data-step="allow-a" data-try="1" data-enforced-ms="500"><td>allow-a</td><td>apply x/allow-a<br>relabel pod x/a to {pod: a, role: client}</td><td>500 ms</td></tr>');
    expect(html).to.contain('<tr class="step" data-step="start" data-try="1" data-enforced-ms="0"><td>start</td><td><span class="muted">nothing changed</span></td><td>-</td></tr>');
    expect(html).to.contain('<figure class="truth" data-phase="deny"');
    expect(html).to.contain('<figcaption>after step deny · tcp/80</figcaption>');
    expect(html).to.contain('<a class="source" href="https://github.com/kubernetes/kubernetes/blob/v1.36.1/test/e2e/network/netpol/network_policy.go#L613">source</a> <span class="source-text">&quot;should enforce updated policy&quot;</span>');
    expect(html).to.contain('data-step="allow-a"><strong>x/allow-a</strong> <span class="muted">applied by step allow-a</span>');
    // A recipe without steps of its own shows no steps table.
    expect(html.match(/<table class="steps">/g)).to.have.length(1);
  });

  it('summary.md: a steps section for recipes with steps, and the test name beside the source link', () => {
    const md = renderMarkdown(report);
    expect(md).to.contain('### Steps');
    expect(md).to.contain('| 03 | allow-a | apply x/allow-a; relabel pod x/a to {pod: a, role: client} | 500 ms |');
    expect(md).to.contain('| 03 | start | nothing changed | - |');
    expect(md).to.contain('[Deny, then allow a, step by step](https://github.com/kubernetes/kubernetes/blob/v1.36.1/test/e2e/network/netpol/network_policy.go#L613) ("should enforce updated policy")');
    expect(renderMarkdown(sampleReport([passingRecipe()]))).to.not.contain('### Steps');
  });

  it('junit.xml: each step\'s time as a property, and the step in a failure\'s text', () => {
    const xml = renderJUnit(report);
    expect(xml).to.contain('<property name="step.deny.enforcedMs" value="200"/>');
    expect(xml).to.contain('<property name="step.allow-a.enforcedMs" value="500"/>');
    expect(xml).to.not.contain('step.start.enforcedMs');
    expect(phaseLabel('deny')).to.equal('after step deny');
    expect(phaseLabel('before')).to.equal('before policies');
  });

  it('the console: one line of step times per recipe with steps', () => {
    expect(renderConsoleSummary(report)).to.contain('steps enforced in:\n  03: deny 200 ms, allow-a 500 ms\n');
  });

  it('compare: probes matched by step name, and each step\'s time beside the other run\'s', () => {
    const c = compareReports(report, sampleReport([passingRecipe(), steppedRecipe(1200)]));
    expect(c.counts.matched).to.equal(4);
    expect(c.probes.map((p) => p.key)).to.include('03 allow-a x/a -> x/b tcp/80');
    expect(c.latency.steps).to.deep.equal([
      { recipe: '03', step: 'deny', baselineMs: 200, candidateMs: 200, ratio: 1, slowdown: false },
      { recipe: '03', step: 'allow-a', baselineMs: 500, candidateMs: 1200, ratio: 2.4, slowdown: true },
    ]);
    expect(renderCompareTable(c)).to.match(/03 allow-a \(slower\)\s+500 ms\s+1200 ms\s+2\.4x/);
    expect(renderCompareMarkdown(c)).to.contain('| ⚠️ recipe 03 step allow-a (2.4x) | 500 ms | 1200 ms |');
    expect(renderCompareHtml(c)).to.contain('<tr data-recipe="03" data-step="allow-a" data-slowdown="true"><td>03</td><td>allow-a</td><td>500 ms</td><td>1200 ms</td><td class="slowdown">2.4x</td></tr>');
  });
});
