// `netpol-conformance gate`: the release gate in one command. Runs the catalog on a baseline and
// on a candidate (Calico version, dataplane or felix settings), each as its own `run` process on
// its own cluster, then compares the two reports. Exit 0 nothing regressed, 1 a regression.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { InfrastructureError } from '../errors.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { dataplanes, validateRunOptions } from '../run/options.ts';
import { newRunId } from '../run/session.ts';
import { command as compare } from './compare.ts';
import { parseArgs, type Command } from './main.ts';
import { parseRunArgs, repeatedFlag } from './run.ts';

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
  --ip-family <f>                     ipv4 | dual, for both sides (default: the provider's, see run --help)
  --recipe <id>                       only these recipes; repeatable, comma-separated
  --reports <dir>                     where run directories go (default reports)
  --slowdown-ratio <r>                flag enforcement slowdowns beyond r (default 1.5)

Writes the two runs' reports, then compare.{json,md,html} in the candidate's run directory.
Exit status: 0 nothing regressed, 1 a regression, 2 bad input, 4 a run could not complete.`;

const sideFlags = [
  'baseline',
  'candidate',
  'baseline-dataplane',
  'candidate-dataplane',
  'baseline-felix-setting',
  'candidate-felix-setting',
  'baseline-calico-resources',
  'candidate-calico-resources',
];

export const command: Command = {
  summary: 'run a baseline and a candidate Calico and compare them',
  usage,
  async run(args) {
    const { flags } = parseArgs(args, {
      strings: [...sideFlags, 'provider', 'recipe', 'reports', 'slowdown-ratio', 'ip-family'],
    });
    const common = args.filter((_, i) => !isSideArg(args, i));
    const slowdown = typeof flags['slowdown-ratio'] === 'string' ? ['--slowdown-ratio', flags['slowdown-ratio']] : [];
    const commonRun = stripFlag(common, 'slowdown-ratio');
    const gateId = newRunId().slice(0, 5);
    const sides = (['baseline', 'candidate'] as const).map((side) => {
      const version = typeof flags[side] === 'string' ? flags[side] : typeof flags.baseline === 'string' ? flags.baseline : undefined;
      const dataplane = flags[`${side}-dataplane`] ?? flags['baseline-dataplane'];
      const runArgs = [
        ...commonRun,
        ...(version ? ['--calico', version] : []),
        ...(typeof dataplane === 'string' ? ['--dataplane', dataplane] : []),
        ...repeatedFlag(args, `${side}-felix-setting`).flatMap((s) => ['--felix-setting', s]),
        ...repeatedFlag(args, `${side}-calico-resources`).flatMap((f) => ['--calico-resources', f]),
        '--run-id', `${gateId}${side === 'baseline' ? 'b' : 'c'}`,
      ];
      // Validate both sides before running either: bad input leaves nothing behind.
      validateRunOptions(parseRunArgs(runArgs));
      return { side, runArgs };
    });
    const reportsDir = resolve(typeof flags.reports === 'string' ? flags.reports : 'reports');
    using root = createRootSignal();
    const cli = fileURLToPath(new URL('../../bin/netpol-conformance.js', import.meta.url));
    const reports: string[] = [];
    for (const { side, runArgs } of sides) {
      process.stderr.write(`\n== gate: ${side} run: netpol-conformance run ${runArgs.join(' ')}\n`);
      const result = await execa('node', [cli, 'run', ...runArgs], { stdio: 'inherit', reject: false, cancelSignal: root.signal, forceKillAfterDelay: 30_000 });
      const id = runArgs[runArgs.indexOf('--run-id') + 1]!;
      const report = join(reportsDir, id, 'report.json');
      if (root.signal.aborted) throw new InfrastructureError(`gate cancelled during the ${side} run`);
      // Exit 1 means probes failed: the comparison judges that. Anything else is no report.
      if ((result.exitCode !== 0 && result.exitCode !== 1) || !existsSync(report)) {
        throw new InfrastructureError(`the ${side} run exited ${result.exitCode ?? result.signal} without a report (${report}); see its output above`);
      }
      reports.push(report);
    }
    return compare.run([reports[0]!, reports[1]!, ...slowdown]);
  },
};

function isSideArg(args: string[], i: number): boolean {
  const flagAt = (j: number): string | undefined => {
    const a = args[j];
    return a?.startsWith('--') ? a.slice(2).split('=')[0] : undefined;
  };
  const own = flagAt(i);
  if (own && sideFlags.includes(own)) return true;
  const prev = flagAt(i - 1);
  return !args[i]?.startsWith('--') && prev !== undefined && sideFlags.includes(prev) && !args[i - 1]!.includes('=');
}

function stripFlag(args: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) i++;
    else if (!args[i]!.startsWith(`--${name}=`)) out.push(args[i]!);
  }
  return out;
}
