// `netpol-conformance compare <baseline report.json> <candidate report.json>`: the release gate's
// verdict on two runs. Exit 0 nothing regressed, 1 a regression, 2 bad input (via InputError).
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InputError, messageOf } from '../errors.ts';
import { compareReports, type Comparison } from '../report/compare.ts';
import { renderCompareHtml } from '../report/compare-html.ts';
import { renderCompareMarkdown } from '../report/compare-markdown.ts';
import { renderCompareTable } from '../report/compare-table.ts';
import type { Report } from '../report/schema.ts';
import { validateReport } from '../report/validate.ts';
import { parseArgs, type Command } from './main.ts';

const usage = `usage: netpol-conformance compare <baseline report.json> <candidate report.json> [options]

Compares two runs probe by probe (matched by recipe, phase (the step a probe ran after),
source, target, protocol and port; the last try of each), and the apply-to-enforced time of each
recipe and of each step of a recipe with steps, and writes compare.json, compare.md and
compare.html next to the candidate report. Reads report.json schemaVersion 1 and 2.

options:
  --allow-partial        compare the recipes both reports share instead of refusing
                         reports from different recipe sets
  --slowdown-ratio <r>   flag a recipe (or step) whose apply-to-enforced time grew more than r
                         times (default 1.5)
  --json                 print the comparison as JSON instead of the table

exit status: 0 nothing regressed, 1 a probe went from pass to fail, 2 bad input
(unreadable file, schemaVersion mismatch, different recipe sets without --allow-partial)`;

export const command: Command = {
  summary: 'compare two report.json files (release gate)',
  usage,
  async run(args) {
    const { flags, positionals } = parseArgs(args, { booleans: ['allow-partial', 'json'], strings: ['slowdown-ratio'] });
    const [baselineFile, candidateFile, ...extra] = positionals;
    if (baselineFile === undefined || candidateFile === undefined || extra.length > 0) {
      throw new InputError(`expected two report.json files, got ${positionals.length}\n${usage}`);
    }
    const slowdownRatio = flags['slowdown-ratio'] === undefined ? 1.5 : Number(flags['slowdown-ratio']);
    if (!Number.isFinite(slowdownRatio) || slowdownRatio <= 0) {
      throw new InputError(`--slowdown-ratio must be a positive number, got ${String(flags['slowdown-ratio'])}`);
    }
    const [baseline, candidate] = await Promise.all([readReport(baselineFile), readReport(candidateFile)]);
    const comparison = compareReports(baseline, candidate, { slowdownRatio, allowPartial: flags['allow-partial'] === true });
    const written = await writeComparison(comparison, dirname(candidateFile));
    if (flags.json === true) {
      // stdout stays pure JSON for pipes; the note about files goes to stderr.
      process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
      process.stderr.write(`wrote ${written.join(', ')}\n`);
    } else {
      process.stdout.write(renderCompareTable(comparison) + `\nwrote ${written.join(', ')}\n`);
    }
    return comparison.regressed ? 1 : 0;
  },
};

async function readReport(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${messageOf(e)}`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file} is not JSON: ${messageOf(e)}`, { cause: e });
  }
  return validateReport(json, file);
}

async function writeComparison(comparison: Comparison, dir: string): Promise<string[]> {
  const files: [string, string][] = [
    [join(dir, 'compare.json'), JSON.stringify(comparison, null, 2) + '\n'],
    [join(dir, 'compare.md'), renderCompareMarkdown(comparison)],
    [join(dir, 'compare.html'), renderCompareHtml(comparison)],
  ];
  await Promise.all(files.map(([file, text]) => writeFile(file, text)));
  return files.map(([file]) => file);
}
