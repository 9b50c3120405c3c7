// Writes one run's reports to reports/<run-id>/ and points reports/latest at it. Every file and
// `latest` are replaced by renaming a fresh one over them, so a reader (or a full disk) never
// finds one missing or half-made.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InfrastructureError, messageOf } from '../errors.ts';
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
  const renderings: [string, string][] = [
    ['junit.xml', renderJUnit(report)],
    ['report.html', renderHtml(report)],
    ['summary.md', renderMarkdown(report)],
  ];
  try {
    await mkdir(dir, { recursive: true });
    await Promise.all(renderings.map(([name, text]) => writeAtomically(join(dir, name), text)));
    // Last: a report.json on disk means every other file is there too.
    await writeAtomically(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
    await pointLatest(reportsRoot, report.run.id);
  } catch (e) {
    // A full or read-only disk: one clear line, and no report.json that is not whole.
    const code = (e as NodeJS.ErrnoException).code;
    throw new InfrastructureError(`cannot write the reports into ${dir} (${code ?? messageOf(e)}); free space there or give another --reports`, { cause: e });
  }
  return { dir, files: ['report.json', ...renderings.map(([name]) => name)].map((name) => join(dir, name)) };
}

/**
 * Writes beside the target and renames over it: a reader (or a full disk, or a kill) never
 * leaves a half-written file under the real name, only a temp file that is removed on failure.
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    await writeFile(temporary, text, { flag: 'wx' });
    await rename(temporary, file);
  } catch (e) {
    await rm(temporary, { force: true });
    throw e;
  }
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
