// A page rendered by a real headless Chromium (Debian's package) from a file:// URL with no
// network, for the tests of the HTML reports. Skips (or, under CI, fails) without the browser.
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

export interface OpenedPage extends AsyncDisposable {
  page: Page;
  /** Every URL the page requested, the file itself included. */
  requests: string[];
}

/** False (and a note) when the browser is missing outside CI; throws under CI, which installs it. */
export async function chromiumAvailable(): Promise<boolean> {
  if (await access(chromiumPath).then(() => true, () => false)) return true;
  if (process.env.CI) throw new Error(`${chromiumPath} is missing; install it with: apt-get install -y chromium`);
  console.warn(`    skipped: ${chromiumPath} is missing (apt-get install -y chromium)`);
  return false;
}

export async function openHtml(html: string, name = 'page.html'): Promise<OpenedPage> {
  const profile = await mkdtemp(join(tmpdir(), 'netpol-chromium-'));
  const file = join(profile, name);
  await writeFile(file, html);
  let context: BrowserContext | undefined;
  try {
    // launchPersistentContext is how Playwright takes a fresh --user-data-dir of our own.
    context = await chromium.launchPersistentContext(join(profile, 'user-data'), {
      executablePath: chromiumPath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href);
    const opened = context;
    return {
      page,
      requests,
      async [Symbol.asyncDispose]() {
        await opened.close();
        await rm(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
}
