// `netpol-conformance compare <baseline report.json> <candidate report.json>`: the release gate's
// verdict on two runs. Exit 0 nothing regressed, 1 a regression, 2 bad input (via InputError).
import { dirname, join } from 'node:path';
import { InputError, messageOf } from '../errors.ts';
import { compareReports, type Comparison } from '../report/compare.ts';
import { renderCompareHtml } from '../report/compare-html.ts';
import { renderCompareMarkdown } from '../report/compare-markdown.ts';
import { renderCompareTable } from '../report/compare-table.ts';
import { readReportFile } from '../report/read.ts';
import { writeAtomically } from '../report/write.ts';
import { expectPositionals, numberOption } from './args.ts';
import type { Command } from './main.ts';

const usage = `usage: netpol-conformance compare <baseline report.json> <candidate report.json> [options]

Compares two runs probe by probe (matched by recipe, phase (the step a probe ran after),
source, target, protocol and port; the last try of each), and the apply-to-enforced time of each
recipe and of each step of a recipe with steps, and writes compare.json, compare.md and
compare.html next to the candidate report. Reads report.json schemaVersion 1 and 2. Both
reports must be regular files of at most 64 MiB.

options:
  --allow-partial        compare the recipes both reports share instead of refusing
                         reports from different recipe sets
  --slowdown-ratio <r>   flag a recipe (or step) whose apply-to-enforced time grew more than r
                         times (a number from 1 to 1000; default 1.5)
  --json                 print the comparison as JSON instead of the table

exit status: 0 nothing regressed, 1 a probe went from pass to fail, 2 bad input
(unreadable file, schemaVersion mismatch, different recipe sets without --allow-partial)`;

const options = {
  'allow-partial': { type: 'boolean' },
  json: { type: 'boolean' },
  'slowdown-ratio': { type: 'string' },
} as const;

export const command: Command<typeof options> = {
  summary: 'compare two report.json files (release gate)',
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('compare', positionals, 2, 2, 'two report.json files (baseline, candidate)');
    return compareReportFiles(positionals[0]!, positionals[1]!, {
      slowdownRatio: slowdownRatioOption(values['slowdown-ratio']),
      allowPartial: values['allow-partial'] === true,
      json: values.json === true,
    });
  },
};

/** `--slowdown-ratio`, shared with `gate`, which checks it before either run starts. */
export function slowdownRatioOption(value: string | undefined): number {
  return value === undefined ? 1.5 : numberOption('--slowdown-ratio', value, { min: 1, max: 1000 });
}

/** Compares, writes compare.{json,md,html} next to the candidate, prints; resolves to the exit status. */
export async function compareReportFiles(
  baselineFile: string,
  candidateFile: string,
  options: { slowdownRatio: number; allowPartial: boolean; json: boolean },
): Promise<number> {
  const baseline = readReportFile(baselineFile);
  const candidate = readReportFile(candidateFile);
  const comparison = compareReports(baseline, candidate, options);
  const written = await writeComparison(comparison, dirname(candidateFile));
  if (options.json) {
    // stdout stays pure JSON for pipes; the note about files goes to stderr.
    process.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
    process.stderr.write(`wrote ${written.join(', ')}\n`);
  } else {
    process.stdout.write(renderCompareTable(comparison) + `\nwrote ${written.join(', ')}\n`);
  }
  return comparison.regressed ? 1 : 0;
}

async function writeComparison(comparison: Comparison, dir: string): Promise<string[]> {
  const files: [string, string][] = [
    [join(dir, 'compare.json'), JSON.stringify(comparison, null, 2) + '\n'],
    [join(dir, 'compare.md'), renderCompareMarkdown(comparison)],
    [join(dir, 'compare.html'), renderCompareHtml(comparison)],
  ];
  try {
    await Promise.all(files.map(([file, text]) => writeAtomically(file, text)));
  } catch (e) {
    throw new InputError(`cannot write the comparison next to the candidate report in ${dir}: ${messageOf(e)}; copy the report to a writable directory`, { cause: e });
  }
  return files.map(([file]) => file);
}
