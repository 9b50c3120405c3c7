// Everything in report.html and compare.html that came from a recipe file, a user's report.json
// or a cluster is text: markup in it renders as characters, never as elements, attributes or
// scripts. Checked in a real headless Chromium with JavaScript on, where an escaping mistake
// would run the payload.
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { chromiumAvailable, openHtml } from '../testing/chromium.ts';
import { compareReports } from './compare.ts';
import { renderCompareHtml } from './compare-html.ts';
import { renderHtml } from './html.ts';
import { sampleProbe, sampleRecipe, sampleReport } from './sample-report.ts';
import type { Report } from './schema.ts';

// Each payload sets window.pwned when it runs; each also tries to break out of the element or
// attribute it lands in.
const payloads = {
  title: `<script>window.pwned = 'title'</script><img src=x onerror="window.pwned = 'title-img'">`,
  notes: `</p><svg onload="window.pwned = 'notes'"></svg>`,
  id: `x" onmouseover="window.pwned = 'id'" data-x="`,
  policy: `</pre><iframe srcdoc="<script>parent.pwned = 'policy'</script>"></iframe>`,
  endpoint: `x/'><b onclick="window.pwned = 'endpoint'">b</b>`,
  detail: `"><script>window.pwned = 'detail'</script>`,
  rule: `-A cali-x -m comment --comment "</td><script>window.pwned = 'rule'</script>" -j DROP`,
  version: `v3<style>body{display:none}</style>`,
};

function hostileReport(source: string, observed: 'allowed' | 'blocked'): Report {
  const probe = sampleProbe({
    from: payloads.endpoint,
    to: 'x/b',
    expected: 'blocked',
    observed,
    verdict: observed === 'blocked' ? 'pass' : 'fail',
    detail: payloads.detail,
    command: payloads.detail,
    expectedReason: payloads.notes,
    counters: { deltas: [{ node: payloads.endpoint, table: 'filter', chain: payloads.rule, rule: payloads.rule, packets: 1, bytes: 60 }] },
    decidedBy: { chain: payloads.rule, rule: payloads.rule, policy: payloads.policy, kind: 'policy-deny' },
  });
  const recipe = sampleRecipe({
    id: payloads.id,
    title: payloads.title,
    source,
    notes: payloads.notes,
    policies: [{ name: payloads.policy, yaml: payloads.policy }],
    tries: 1,
    probes: [probe],
  });
  const report = sampleReport([recipe]);
  report.run.calico.version = payloads.version;
  report.run.felix = payloads.version;
  report.run.id = payloads.id;
  return report;
}

/** What an escaping mistake would have put into the page. */
async function injected(page: Page): Promise<{ pwned: unknown; elements: number; handlers: string[]; hrefs: string[]; hidden: boolean }> {
  // Runs in the page; tsconfig has no DOM lib, so the browser globals are typed by hand.
  return page.evaluate(() => {
    const w = globalThis as unknown as {
      pwned?: unknown;
      document: { querySelectorAll(s: string): ArrayLike<{ attributes: ArrayLike<{ name: string }>; getAttribute(n: string): string | null }>; body: unknown };
      getComputedStyle(e: unknown): { display: string };
    };
    const all = Array.from(w.document.querySelectorAll('*'));
    return {
      pwned: w.pwned,
      elements: w.document.querySelectorAll('script, img, svg, iframe, b').length,
      handlers: all.flatMap((e) => Array.from(e.attributes).map((a) => a.name)).filter((name) => name.startsWith('on')),
      hrefs: Array.from(w.document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href') ?? ''),
      hidden: w.getComputedStyle(w.document.body).display === 'none',
    };
  });
}

describe('HTML reports escape what came from recipes, reports and clusters (headless Chromium)', function () {
  this.timeout(60_000);

  before(async function () {
    if (!(await chromiumAvailable())) this.skip();
  });

  for (const source of ['javascript:window.pwned = "source"', `https://example.test/"><script>window.pwned = 'href'</script>`]) {
    it(`report.html shows every payload as text (source ${source.slice(0, 24)}…)`, async () => {
      await using opened = await openHtml(renderHtml(hostileReport(source, 'allowed')), 'report.html');
      const { page } = opened;
      const { hrefs, ...found } = await injected(page);
      expect(found).to.deep.equal({ pwned: undefined, elements: 0, handlers: [], hidden: false });
      expect(hrefs.every((href) => href.startsWith('#') || href.startsWith('https://example.test/')), hrefs.join(' ')).to.equal(true);
      expect(await page.locator('section.recipe h2').innerText()).to.equal(`${payloads.id} ${payloads.title}`);
      expect(await page.locator('section.recipe .notes').innerText()).to.equal(payloads.notes);
      expect(await page.locator('section.recipe pre.policy-yaml').innerText()).to.equal(payloads.policy);
      expect(await page.locator('section.recipe pre.command').innerText()).to.equal(payloads.detail);
      expect(await page.locator('section.recipe td.rule').innerText()).to.equal(payloads.rule);
      expect(await page.locator('dd[data-fact="calico"]').innerText()).to.equal(payloads.version);
      if (!source.startsWith('https://')) expect(await page.locator('section.recipe .source').innerText()).to.equal(`source: ${source}`);
    });
  }

  it('compare.html shows every payload of two reports as text', async () => {
    const comparison = compareReports(hostileReport('https://example.test/', 'blocked'), hostileReport('https://example.test/', 'allowed'));
    expect(comparison.regressed, 'the hostile probe regressed, so it is in the changes table').to.equal(true);
    await using opened = await openHtml(renderCompareHtml(comparison), 'compare.html');
    const { page } = opened;
    const found = await injected(page);
    expect(found).to.deep.equal({ pwned: undefined, elements: 0, handlers: [], hidden: false, hrefs: [] });
    expect(await page.locator('h1').innerText()).to.contain(payloads.version);
    const row = await page.locator('#changes tr.change').first().innerText();
    expect(row).to.contain(payloads.id);
    expect(row).to.contain(payloads.endpoint);
  });
});
