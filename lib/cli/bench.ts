// `netpol-conformance bench` (npm run bench): speed and memory targets, measured, never
// asserted in unit tests. Also summarises a finished run's probe and enforcement times.
import { benchCatalogPlan, benchCounters, benchHtml, benchOracle, type BenchResult } from '../bench/pure.ts';
import { benchRecipes, percentile } from '../bench/side-by-side.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { readReportFile } from '../report/read.ts';
import { InputError } from '../errors.ts';
import type { Report } from '../report/schema.ts';
import { expectPositionals } from './args.ts';
import type { Command } from './main.ts';

const usage = `usage: netpol-conformance bench [--no-cluster] [--catalog <ids|all>] [--repeat <n>] [--report <report.json>]

Runs the benchmarks and prints each figure against its target; exits 1 when a target is missed.
  (default)              oracle, catalog planning, counter parsing, HTML rendering, \`expect\` on
                         cluster-sized scenarios (2,000 and 1,000 pods), and, as root, a warm
                         netns cluster start with its peak memory, then the catalog side by side
                         on one warm cluster: the recipes one by one with timeout-only verdicts,
                         then with the defaults (wall times, ratio, blocked and allowed
                         latencies, and whether every verdict and deciding rule was the same)
  --catalog <ids|all>    the recipes of the catalog bench, comma-separated, or all of them
                         (default: ${benchRecipes.join(',')})
  --repeat <n>           run the default pass n times, each compared with the first (default 1)
  --no-catalog           skip the catalog bench
  --no-cluster           skip every cluster benchmark
  --report <file>        instead, print probe and apply-to-enforced times of a finished run`;

const options = {
  'no-cluster': { type: 'boolean' },
  'no-catalog': { type: 'boolean' },
  report: { type: 'string' },
  catalog: { type: 'string' },
  repeat: { type: 'string' },
} as const;

export const command: Command<typeof options> = {
  summary: 'run the benchmarks',
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('bench', positionals, 0, 0, 'no arguments');
    const repeat = values.repeat !== undefined ? Number(values.repeat) : 1;
    if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10) throw new InputError('--repeat must be a whole number from 1 to 10');
    const catalog = values.catalog === 'all' ? [] : values.catalog !== undefined ? values.catalog.split(',').map((s) => s.trim()).filter(Boolean) : benchRecipes;
    if (values.report !== undefined) {
      process.stdout.write(runStatistics(readReportFile(values.report)) + '\n');
      return 0;
    }
    const results: BenchResult[] = [benchOracle(), benchCatalogPlan(), benchCounters(), benchHtml()];
    const { benchExpect } = await import('../bench/expect.ts');
    results.push(...(await benchExpect()));
    if (values['no-cluster'] !== true && process.getuid?.() === 0) {
      {
        using root = createRootSignal({ deadlineMs: 300_000 });
        const { benchClusterStart } = await import('../bench/cluster.ts');
        results.push(...(await benchClusterStart(root.signal)));
      }
      if (values['no-catalog'] !== true) {
        using root = createRootSignal({ deadlineMs: 60 * 60_000 });
        const { benchSideBySide } = await import('../bench/side-by-side.ts');
        results.push(...(await benchSideBySide({ recipes: catalog, repeat, signal: root.signal, write: (line) => process.stdout.write(line + '\n') })));
      }
    }
    let missed = 0;
    for (const r of results) {
      const ok = r.higherIsBetter ? r.value >= r.target : r.value <= r.target;
      if (!ok) missed++;
      process.stdout.write(`${ok ? 'ok  ' : 'MISS'} ${r.name}: ${r.value} ${r.unit} (target ${r.higherIsBetter ? '>=' : '<='} ${r.target} ${r.unit})\n`);
    }
    return missed === 0 ? 0 : 1;
  },
};

export function runStatistics(report: Report): string {
  const probes = report.recipes.flatMap((r) => r.probes);
  const line = (what: string, values: number[]): string =>
    `${what}: n=${values.length}, median ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms`;
  return [
    `run ${report.run.id} (${report.run.provider}, Calico ${report.run.calico.version}, ${report.run.calico.dataplane}): wall time ${Math.round(report.run.durationMs / 1000)} s, ${probes.length} probes, ${report.summary.failed} failed`,
    line('allowed probes', probes.filter((p) => p.observed === 'allowed').map((p) => p.durationMs)),
    line('blocked probes', probes.filter((p) => p.observed === 'blocked').map((p) => p.durationMs)),
    line('apply-to-enforced', report.recipes.filter((r) => r.policies.length > 0).map((r) => r.enforcement.programmedMs)),
  ].join('\n');
}
