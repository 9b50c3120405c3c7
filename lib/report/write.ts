// Writes one run's reports to reports/<run-id>/ and points reports/latest at it. `latest` is
// replaced by renaming a fresh symlink over it, so a reader never finds it missing or half-made.
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './html.ts';
import { renderJUnit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';
import type { Report } from './schema.ts';

export interface WrittenReports {
  dir: string;
  /** Absolute or root-relative paths (as `reportsRoot` was given) of every file written. */
  files: string[];
}

export async function writeReports(report: Report, reportsRoot: string): Promise<WrittenReports> {
  if (!/^[\w.-]+$/.test(report.run.id) || report.run.id === '.' || report.run.id === '..' || report.run.id === 'latest') {
    // The id becomes a directory name; refuse anything that could escape reports/ or hide `latest`.
    throw new Error(`run id ${JSON.stringify(report.run.id)} is not usable as a directory name`);
  }
  const dir = join(reportsRoot, report.run.id);
  await mkdir(dir, { recursive: true });
  const contents: [string, string][] = [
    ['report.json', JSON.stringify(report, null, 2) + '\n'],
    ['junit.xml', renderJUnit(report)],
    ['report.html', renderHtml(report)],
    ['summary.md', renderMarkdown(report)],
  ];
  const files = contents.map(([name]) => join(dir, name));
  await Promise.all(contents.map(([name, text]) => writeFile(join(dir, name), text)));
  await pointLatest(reportsRoot, report.run.id);
  return { dir, files };
}

async function pointLatest(reportsRoot: string, runId: string): Promise<void> {
  const latest = join(reportsRoot, 'latest');
  const temporary = join(reportsRoot, `.latest-${process.pid}-${Date.now()}`);
  // Relative target: the reports folder stays valid when CI uploads or moves it as a whole.
  await symlink(runId, temporary, 'dir');
  try {
    await rename(temporary, latest);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
}
