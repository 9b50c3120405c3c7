// `netpol-conformance gate`: the release gate in one command. Runs the catalog on a baseline and
// on a candidate (Calico version, dataplane or felix settings), each as its own `run` process on
// its own cluster, then compares the two reports. Exit 0 nothing regressed, 1 a regression.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { CancelledError, InfrastructureError, InputError, PrerequisiteError, type HarnessError } from '../errors.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { dataplanes, type RunOptions } from '../run/options.ts';
import { newRunId } from '../run/session.ts';
import { expectPositionals, type OptionValues } from './args.ts';
import { compareReportFiles, slowdownRatioOption } from './compare.ts';
import type { Command } from './main.ts';
import { checkPrerequisites, checkRunInput, parseRunArgs } from './run.ts';

const usage = `usage: netpol-conformance gate --baseline <calico version> --candidate <calico version> [options]

Runs the recipe catalog twice on the same provider, once per side, and compares the reports
(see \`netpol-conformance compare\`). Each side can differ in Calico version, dataplane and
felix settings, so the gate also checks a move from iptables to nftables mode.

  --baseline <version>                Calico version of the baseline (default: versions.json default)
  --candidate <version>               Calico version of the candidate (default: the baseline's)
  --baseline-dataplane <d>            ${dataplanes.join(' | ')} (default iptables-nft)
  --candidate-dataplane <d>           (default: the baseline's)
  --baseline-felix-setting <K=V>      a FelixConfiguration field for the baseline; repeatable
  --candidate-felix-setting <K=V>     the same for the candidate; repeatable
  --baseline-calico-resources <file>  objects to apply on the baseline cluster (see run --help)
  --candidate-calico-resources <file> the same for the candidate
  --provider <p>                      netns | kind (default netns)
  --recipe <id>                       only these recipes; repeatable, comma-separated
  --catalog <dir>                     run the recipes in <dir> instead of the built-in recipes/
  --reports <dir>                     where run directories go (default reports)
  --slowdown-ratio <r>                flag enforcement slowdowns beyond r (1 to 1000, default 1.5)

Both sides are checked (options, recipes, prerequisites) before either runs. Ctrl-C or SIGTERM
stops the gate after the running side has torn its cluster down.
Writes the two runs' reports, then compare.{json,md,html} in the candidate's run directory.
Exit status: 0 nothing regressed, 1 a regression, 2 bad input, 3 a missing prerequisite,
4 a run could not complete, 130 interrupted.`;

const options = {
  baseline: { type: 'string' },
  candidate: { type: 'string' },
  'baseline-dataplane': { type: 'string' },
  'candidate-dataplane': { type: 'string' },
  'baseline-felix-setting': { type: 'string', multiple: true },
  'candidate-felix-setting': { type: 'string', multiple: true },
  'baseline-calico-resources': { type: 'string', multiple: true },
  'candidate-calico-resources': { type: 'string', multiple: true },
  provider: { type: 'string' },
  recipe: { type: 'string', multiple: true },
  catalog: { type: 'string' },
  reports: { type: 'string' },
  'slowdown-ratio': { type: 'string' },
} as const;

type Side = 'baseline' | 'candidate';

/** The `run` arguments of one side: the shared options plus the side's own. */
export function sideRunArgs(values: OptionValues<typeof options>, side: Side, runId: string): string[] {
  const version = values[side] ?? values.baseline;
  const dataplane = values[`${side}-dataplane`] ?? values['baseline-dataplane'];
  const pass = (flag: string, value: string | undefined): string[] => (value === undefined ? [] : [`--${flag}=${value}`]);
  return [
    ...pass('provider', values.provider),
    ...(values.recipe ?? []).flatMap((r) => pass('recipe', r)),
    ...pass('catalog', values.catalog),
    ...pass('reports', values.reports),
    ...pass('calico', version),
    ...pass('dataplane', dataplane),
    ...(values[`${side}-felix-setting`] ?? []).flatMap((s) => pass('felix-setting', s)),
    ...(values[`${side}-calico-resources`] ?? []).flatMap((f) => pass('calico-resources', f)),
    `--run-id=${runId}`,
  ];
}

export const command: Command<typeof options> = {
  summary: 'run a baseline and a candidate Calico and compare them',
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('gate', positionals, 0, 0, 'no arguments');
    const slowdownRatio = slowdownRatioOption(values['slowdown-ratio']);
    const gateId = newRunId().slice(0, 5);
    // Check both sides before running either: bad input leaves nothing behind.
    const sides: { side: Side; runId: string; runArgs: string[]; options: RunOptions }[] = [];
    for (const side of ['baseline', 'candidate'] as const) {
      const runId = `${gateId}${side === 'baseline' ? 'b' : 'c'}`;
      const runArgs = sideRunArgs(values, side, runId);
      const { options } = checkRunInput(parseRunArgs(runArgs));
      sides.push({ side, runId, runArgs, options });
    }
    // One provider for both sides: its prerequisites once, after all the input.
    await checkPrerequisites(sides[0]!.options);
    const reportsDir = resolve(values.reports ?? 'reports');
    using root = createRootSignal();
    const reports: string[] = [];
    for (const { side, runId, runArgs } of sides) {
      process.stderr.write(`\n== gate: ${side} run: netpol-conformance run ${runArgs.join(' ')}\n`);
      const exitCode = await runSide(runArgs, root.signal);
      const report = join(reportsDir, runId, 'report.json');
      if (root.signal.aborted) throw new CancelledError(`gate ${root.reason() ?? 'cancelled'} during the ${side} run; the run tore its cluster down`);
      // Exit 1 means probes failed: the comparison judges that. Anything else is no report.
      if ((exitCode === 0 || exitCode === 1) && existsSync(report)) {
        reports.push(report);
        continue;
      }
      throw sideFailure(side, exitCode, report);
    }
    return await compareReportFiles(reports[0]!, reports[1]!, { slowdownRatio, allowPartial: false, json: false });
  },
};

/** Why the gate stops after a side gave no report, with the exit status that side stands for. */
export function sideFailure(side: Side, exitCode: number | undefined, report: string): HarnessError {
  const why = `the ${side} run exited ${exitCode ?? 'on a signal'} without a report (${report}); see its output above`;
  if (exitCode === 2) return new InputError(why);
  if (exitCode === 3) return new PrerequisiteError(why);
  if (exitCode === 130) return new CancelledError(why);
  return new InfrastructureError(why);
}

/**
 * Runs `netpol-conformance run` as a child and resolves to its exit code. When the gate is
 * interrupted the child gets SIGTERM and the gate waits for it: the run tears its own cluster
 * down, and a gate that exited first would leave CI to kill that teardown halfway.
 */
async function runSide(runArgs: string[], signal: AbortSignal): Promise<number | undefined> {
  const cli = fileURLToPath(new URL('../../bin/netpol-conformance.js', import.meta.url));
  // No forced kill: execa would SIGKILL the run 5 s after the SIGTERM, in the middle of its teardown.
  const child = execa(process.execPath, [cli, 'run', ...runArgs], { stdio: 'inherit', reject: false, forceKillAfterDelay: false });
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  signal.addEventListener('abort', stop, { once: true });
  try {
    const result = await child;
    return result.exitCode;
  } finally {
    signal.removeEventListener('abort', stop);
  }
}
