// `netpol-conformance bench` (npm run bench): speed and memory targets, measured, never
// asserted in unit tests. Also summarises a finished run's probe and enforcement times.
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.ts';
import { benchCatalogPlan, benchCounters, benchHtml, benchOracle, type BenchResult } from '../bench/pure.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { validateReport } from '../report/validate.ts';
import type { Report } from '../report/schema.ts';
import { parseArgs, type Command } from './main.ts';

const usage = `usage: netpol-conformance bench [--no-cluster] [--report <report.json>]

Runs the benchmarks and prints each figure against its target; exits 1 when a target is missed.
  (default)              oracle, catalog planning, counter parsing, HTML rendering, and, as
                         root, a warm netns cluster start with its peak memory
  --no-cluster           skip the cluster benchmark
  --report <file>        instead, print probe and apply-to-enforced times of a finished run`;

export const command: Command = {
  summary: 'run the benchmarks',
  usage,
  async run(args) {
    const { flags } = parseArgs(args, { booleans: ['no-cluster'], strings: ['report'] });
    if (typeof flags.report === 'string') {
      process.stdout.write(runStatistics(await readReport(flags.report)) + '\n');
      return 0;
    }
    const results: BenchResult[] = [benchOracle(), benchCatalogPlan(), benchCounters(), benchHtml()];
    if (flags['no-cluster'] !== true && process.getuid?.() === 0) {
      using root = createRootSignal({ deadlineMs: 300_000 });
      const { benchClusterStart } = await import('../bench/cluster.ts');
      results.push(...(await benchClusterStart(root.signal)));
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

async function readReport(file: string): Promise<Report> {
  try {
    return validateReport(JSON.parse(await readFile(file, 'utf8')) as unknown, file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

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
