// `netpol-conformance soak` (npm run soak): the catalog run again and again on this machine, each
// time on a new cluster as `run` makes it, to find flakes: a probe whose observation, verdict or
// deciding rule is not the same in every run. Writes <reports>/soak-<id>/soak.json and soak.md.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { decisionDigest } from '../bench/side-by-side.ts';
import { createLogger } from '../log.ts';
import type { Report } from '../report/schema.ts';
import { runCatalog } from '../run/catalog.ts';
import { newRunId } from '../run/session.ts';
import { expectPositionals, numberOption } from './args.ts';
import type { Command } from './main.ts';
import { lockRunId } from './run-checks.ts';
import { checkPrerequisites, checkRunInput, runOptionSpecs, runRequestFrom } from './run.ts';

const usage = `usage: netpol-conformance soak [--runs <n>] [run options]

Runs the catalog <n> times (default 20), each run on a new cluster exactly as \`run\` makes it,
and compares every probe across the runs: its observation, verdict and the rule that decided
it (with the names each run makes anew taken out). A probe that differs between runs, or fails
in any, is a flake. Writes <reports>/soak-<id>/soak.json and soak.md next to the runs' own
reports, and prints one line per run and a summary. Takes every \`run\` option (see run --help).

Exit status: 0 no flake, 1 flakes or failures, 2 bad input, 3 a missing prerequisite,
4 a run could not complete, 130 interrupted.`;

const options = { ...runOptionSpecs, runs: { type: 'string' } } as const;

export interface SoakRun {
  runId: string;
  wallMs: number;
  probes: number;
  failed: number;
}

export interface Flake {
  /** "<recipe id> <probe id> try <n>" (with "[<step>]" when the id does not name it) */
  probe: string;
  /** Each digest seen, with the runs (1-based) it was seen in. */
  variants: { digest: string; runs: number[] }[];
}

/**
 * Each probe's verdict and deciding rule, run after run. It keeps a short digest per probe and
 * run, not the reports: a report with its counters is tens of MB, and a soak has many runs.
 */
export class FlakeTracker {
  private readonly seen = new Map<string, Map<string, number[]>>();
  private runs = 0;

  add(report: Report): void {
    const run = ++this.runs;
    for (const recipe of report.recipes) {
      for (const probe of recipe.probes) {
        // A probe's id names its step in reports from `run`; the phase keeps any two apart.
        const key = `${recipe.id} ${probe.id.startsWith(`${probe.phase} `) ? '' : `[${probe.phase}] `}${probe.id} try ${probe.try}`;
        const digest = `${probe.verdict}: ${decisionDigest(recipe, probe)}`;
        const variants = this.seen.get(key) ?? new Map<string, number[]>();
        variants.set(digest, [...(variants.get(digest) ?? []), run]);
        this.seen.set(key, variants);
      }
    }
  }

  /** The probes that were not the same in every run (or failed in any). */
  flakes(): Flake[] {
    const flakes: Flake[] = [];
    for (const [probe, variants] of this.seen) {
      const list = [...variants].map(([digest, runs]) => ({ digest, runs }));
      const everywhere = list.length === 1 && list[0]!.runs.length === this.runs;
      if (!everywhere || list.some((v) => v.digest.startsWith('fail:'))) flakes.push({ probe, variants: list });
    }
    return flakes;
  }
}

/** Pure: the probes that were not the same in every run (or failed in any). */
export function findFlakes(reports: Report[]): Flake[] {
  const tracker = new FlakeTracker();
  for (const report of reports) tracker.add(report);
  return tracker.flakes();
}

export function soakMarkdown(runs: SoakRun[], flakes: Flake[]): string {
  const lines = [
    `## Soak: ${runs.length} runs, ${flakes.length === 0 ? 'no flakes' : `${flakes.length} flaky probe${flakes.length === 1 ? '' : 's'}`}`,
    '',
    '| run | wall | probes | failed |',
    '| --- | ---: | ---: | ---: |',
    ...runs.map((r, i) => `| ${i + 1} (${r.runId}) | ${(r.wallMs / 1000).toFixed(1)} s | ${r.probes} | ${r.failed} |`),
  ];
  if (flakes.length > 0) {
    lines.push('', '### Flakes', '');
    for (const f of flakes) {
      lines.push(`- \`${f.probe}\``);
      for (const v of f.variants) lines.push(`  - runs ${v.runs.join(', ')}: ${v.digest}`);
    }
  }
  return lines.join('\n') + '\n';
}

export const command: Command<typeof options> = {
  summary: 'run the catalog many times and report flakes',
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('soak', positionals, 0, 0, 'no arguments');
    const count = values.runs === undefined ? 20 : numberOption('--runs', values.runs, { min: 1, max: 200, integer: true, unit: 'runs' });
    const { runs: _runs, ...runValues } = values;
    const { options: base } = checkRunInput(runRequestFrom(runValues));
    await checkPrerequisites(base);
    const log = createLogger('soak');
    const soakId = newRunId();
    const dir = join(resolve(base.reportsDir), `soak-${soakId}`);
    const tracker = new FlakeTracker();
    const runs: SoakRun[] = [];
    for (let i = 0; i < count; i++) {
      const runId = newRunId();
      using _lock = lockRunId(runId);
      const started = Date.now();
      const { report } = await runCatalog({ ...base, runId });
      const failed = report.recipes.flatMap((r) => r.probes).filter((p) => p.verdict === 'fail').length;
      runs.push({ runId, wallMs: Date.now() - started, probes: report.summary.probes, failed });
      tracker.add(report);
      const flakes = tracker.flakes();
      log.info(`soak run ${i + 1}/${count} (${runId}): ${report.summary.probes} probes, ${failed} failed, ${((Date.now() - started) / 1000).toFixed(1)} s; flaky so far: ${flakes.length}`);
    }
    const flakes = tracker.flakes();
    await mkdir(dir, { recursive: true });
    for (const [name, text] of [
      ['soak.json', JSON.stringify({ schemaVersion: 1, runs, flakes }, null, 2) + '\n'],
      ['soak.md', soakMarkdown(runs, flakes)],
    ] as const) {
      await writeFile(join(dir, `${name}.tmp`), text);
      await rename(join(dir, `${name}.tmp`), join(dir, name));
    }
    process.stdout.write(`soak: ${runs.length} runs, ${flakes.length} flaky probes (${join(dir, 'soak.md')})\n`);
    return flakes.length === 0 ? 0 : 1;
  },
};
