// report.html as a person sees it: rendered by a real headless Chromium (Debian's package) from
// a file:// URL, with no network. Asserts on what is visible, not on the HTML string.
import { expect } from 'chai';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumAvailable, openHtml, type OpenedPage } from '../testing/chromium.ts';
import { renderHtml } from './html.ts';
import { sampleReport } from './sample-report.ts';

interface BrowserWindow {
  getComputedStyle(element: unknown): { backgroundColor: string };
}

const screenshots = fileURLToPath(new URL('../../reports/screenshots/', import.meta.url));

describe('report.html in headless Chromium', function () {
  this.timeout(60_000);
  let opened: OpenedPage | undefined;
  let page: Page;

  before(async function () {
    if (!(await chromiumAvailable())) this.skip();
    opened = await openHtml(renderHtml(sampleReport()), 'report.html');
    page = opened.page;
  });

  after(async () => {
    if (opened) {
      await mkdir(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, 'report.png'), fullPage: true });
      await opened[Symbol.asyncDispose]();
    }
  });

  it('shows the run summary: counts, Calico version, dataplane, Kubernetes', async () => {
    expect(await page.locator('#counts').innerText()).to.equal('9 probes, 7 passed, 2 failed');
    const facts = await page.locator('dl.facts').innerText();
    for (const fact of ['netns', 'v3.31.7', 'iptables', 'v1.34.1', '3m12s']) expect(facts).to.contain(fact);
  });

  it('shows the recipe title and notes as text, escaped', async () => {
    const recipe = page.locator('section[data-recipe="01"]');
    expect(await recipe.locator('h2').innerText()).to.equal('01 Allow ingress to b only from a <&>');
    expect(await recipe.locator('.notes').innerText()).to.equal('Upstream recipe 02, with namespaces x.');
    expect(await recipe.getAttribute('data-status')).to.equal('fail');
  });

  it('highlights the mismatched cell in red and leaves matching cells green', async () => {
    const observed = page.locator('section[data-recipe="01"] figure[data-phase="after"][data-traffic="tcp/80"][data-try="1"] table.observed');
    const mismatch = observed.locator('td[data-from="x/c"][data-to="x/b"]');
    const match = observed.locator('td[data-from="x/a"][data-to="x/b"]');
    expect(await mismatch.isVisible()).to.equal(true);
    expect(await mismatch.innerText()).to.equal('.');
    expect(await mismatch.getAttribute('class')).to.contain('mismatch');
    // Runs in the page; tsconfig has no DOM lib, so the browser global is typed by hand.
    const background = (cell: typeof mismatch) =>
      cell.evaluate((el) => (globalThis as unknown as BrowserWindow).getComputedStyle(el).backgroundColor);
    expect(await background(mismatch)).to.equal('rgb(255, 204, 204)');
    expect(await background(match)).to.equal('rgb(238, 247, 238)');
    expect(await page.locator('section[data-recipe="01"] .legend').innerText()).to.contain('mismatch: observed differs from expected');
    // Recipe 02 passed: no red anywhere in it.
    expect(await page.locator('section[data-recipe="02"] td.mismatch').count()).to.equal(0);
  });

  it('shows the policy YAML', async () => {
    const yaml = page.locator('section[data-recipe="01"] .policy[data-policy="x/allow-a"] pre.policy-yaml');
    expect(await yaml.isVisible()).to.equal(true);
    const text = await yaml.innerText();
    expect(text).to.contain('kind: NetworkPolicy');
    expect(text).to.contain('  - from:\n    - podSelector:');
    expect(text).to.contain('matchLabels: {pod: a}');
  });

  it('lists the rules that counted the failing probe\'s packets, open without a click', async () => {
    const evidence = page.locator('section[data-recipe="01"] tr.probe-evidence[data-verdict="fail"][data-try="1"]');
    expect(await evidence.count()).to.equal(1);
    const counters = evidence.locator('table.counters');
    expect(await counters.isVisible()).to.equal(true);
    expect(await counters.locator('tr.counter td.rule').innerText()).to.equal('-A cali-pri-kns.x -m comment --comment "<leak & drop?>" -j ACCEPT');
    expect(await evidence.locator('.decided-by').innerText()).to.contain('Decided by profile-allow in chain cali-pri-kns.x');
    expect(await evidence.locator('pre.command').innerText()).to.equal('ip netns exec x-c nc -z -w 1 192.168.1.2 80');
    // Passing probes keep their evidence folded.
    const passing = page.locator('section[data-recipe="02"] tr.probe-evidence[data-verdict="pass"] table.counters');
    expect(await passing.isVisible()).to.equal(false);
  });

  it('is self-contained: loads nothing but the file itself', () => {
    expect(opened!.requests.filter((url) => !url.startsWith('file:'))).to.deep.equal([]);
  });
});
