import { expect } from 'chai';
import { compareReports } from './compare.ts';
import { renderCompareHtml } from './compare-html.ts';
import { renderCompareMarkdown } from './compare-markdown.ts';
import { changedCandidate } from './compare-sample.ts';
import { renderCompareTable } from './compare-table.ts';
import { sampleReport } from './sample-report.ts';

describe('compare renderers', () => {
  const comparison = compareReports(sampleReport(), changedCandidate());

  it('console table: verdict line, then changes first, one-sided probes and slow recipes', () => {
    const lines = renderCompareTable(comparison).split('\n');
    expect(lines.slice(0, 3)).to.deep.equal([
      'baseline:  Calico v3.31.7 (iptables) on netns, run 20260101-120000-abcd',
      'candidate: Calico v3.32.1 (nftables) on netns, run candidate-run',
      'REGRESSED: 4 probes matched, 1 regressions, 1 fixes, 2 observed changes, 2 decided-by changes, 1 only in baseline, 1 only in candidate, 1 recipes slower than 1.5x',
    ]);
    const rows = lines.slice(4, 9).map((l) => l.split(/\s{2,}/));
    expect(rows).to.deep.equal([
      ['change', 'recipe', 'probe', 'baseline', 'candidate'],
      ['regression+observed+decided-by-kind', '02', 'after x/a -> x/b tcp/80', 'pass, blocked, end-of-tier-drop', 'fail, allowed, no rule'],
      ['fix+observed+decided-by-kind', '01', 'after x/c -> x/b tcp/80', 'fail, allowed, profile-allow', 'pass, blocked, end-of-tier-drop'],
      ['only in baseline', '01', 'after x/c -> x/b icmp', 'pass, blocked, end-of-tier-drop', '-'],
      ['only in candidate', '01', 'after x/a -> x/b udp/53', '-', 'pass, allowed, policy-allow'],
    ]);
    expect(lines).to.include('apply-to-enforced over 2 recipes: median 350 -> 650 ms, p95 400 -> 1000 ms');
    expect(lines.slice(-3, -1).map((l) => l.split(/\s{2,}/))).to.deep.equal([
      ['slower', 'baseline', 'candidate', 'ratio'],
      ['01', '400 ms', '1000 ms', '2.5x'],
    ]);
  });

  it('markdown: a red headline, the regression in bold, one-sided probes and the latency table', () => {
    const md = renderCompareMarkdown(comparison);
    expect(md.split('\n')[0]).to.equal('## ❌ Calico release gate: v3.31.7 → v3.32.1');
    expect(md).to.contain('| **regression (pass -&gt; fail)**; observed connectivity changed; decided by another kind of rule | 02 | after x/a -&gt; x/b tcp/80 | pass, blocked, end-of-tier-drop | fail, allowed, no rule |');
    expect(md).to.contain('- only in baseline: 01 after x/c -&gt; x/b icmp (pass, blocked, end-of-tier-drop)');
    expect(md).to.contain('| ⚠️ recipe 01 slower than 1.5x (2.5x) | 400 ms | 1000 ms |');
    expect(renderCompareMarkdown(compareReports(sampleReport(), sampleReport())).split('\n')[0]).to.match(/^## ✅/);
  });

  it('html: changes first with the regression on top, unchanged folded, detail escaped', () => {
    const html = renderCompareHtml(comparison);
    const keys = [...html.matchAll(/<tr class="change" data-change="([^"]+)" data-key="([^"]+)"/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(keys).to.deep.equal([
      'regression 02 after x/a -&gt; x/b tcp/80',
      'fix 01 after x/c -&gt; x/b tcp/80',
      'none 01 before x/c -&gt; x/b tcp/80',
      'none 01 after x/a -&gt; x/b tcp/80',
    ]);
    expect(html.indexOf('id="changes"')).to.be.lessThan(html.indexOf('id="unchanged"'));
    expect(html).to.contain('<details><summary>2 probes behaved the same</summary>');
    expect(html).to.contain('title="connected &lt;!&gt;"');
    expect(html).to.contain('<tr data-recipe="01" data-slowdown="true"><td>01</td><td>400 ms</td><td>1000 ms</td><td class="slowdown">2.5x</td></tr>');
    expect(html).to.not.match(/<script|<link|https?:\/\//);
  });
});
