// The catalog benchmark: the same recipes on one warm netns cluster, first one by one with
// timeout-only verdicts (how the harness used to run), then with the defaults (recipes side by
// side, blocked probes ended by the drop their endpoint counted, answers ending probes). Prints
// both wall times, their ratio, blocked and allowed latencies, and whether every verdict and
// deciding rule was the same; the default pass can be repeated to look for flakes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ReaderStats } from '../counters/index.ts';
import { createLogger } from '../log.ts';
import type { ProbeReport, RecipeReport } from '../report/schema.ts';
import { defaultCalico, defaultRunOptions, validateRunOptions, type BlockedBy } from '../run/options.ts';
import { newRunId, RunSession } from '../run/session.ts';
import type { BenchResult } from './pure.ts';

/** Blocked-heavy recipes, UDP ones among them, 8 in all (about 280 probes). */
export const benchRecipes = ['01', '03', '07', '09', '11a', '12', 'x-match-expressions', 'x-udp-and-tcp'];

export interface PassFigures {
  label: string;
  wallMs: number;
  probes: ProbeReport[];
  recipes: RecipeReport[];
  reads: ReaderStats;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * What must agree between two passes, with the run-specific parts taken out: namespaces carry
 * the pass's suffix, and endpoint chains, IP sets and felix's rule ids are hashed from names
 * that contain it, and each pass makes its pods and external hosts anew (new addresses), so
 * these differ while the rule that decided is the same.
 */
export function decisionDigest(recipe: RecipeReport, probe: ProbeReport): string {
  const d = probe.decidedBy;
  // Deployed namespaces are "<namespace>-<recipe id>-<suffix>" (lib/recipes/plan.ts).
  const deployed = new RegExp(`-${recipe.id.replace(/[^a-z0-9]/g, '\\$&')}-[a-z0-9]+\\b`, 'g');
  const rule = d
    ? d.rule
        .replace(deployed, '')
        .replace(/cali:[A-Za-z0-9_-]+/g, 'cali:*')
        // IP set names hash the selector, which names the pass's namespaces.
        .replace(/\bcali4[06][a-z]*:[A-Za-z0-9_-]+/g, 'cali40s:*')
        // A /32 is one pod or external host, made anew (with a new address) for each pass.
        .replace(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\/32\b/g, '<host>/32')
        .replace(/\bcali-(tw|fw|pi|po|pri|pro|gi|go)-\S+/g, 'cali-$1-*')
        .replace(/\bcali[0-9a-f]{11}\b/g, 'cali*')
    : 'none';
  const chainRole = d ? (/cali-([a-z]+)-/.exec(d.chain)?.[1] ?? d.chain) : '';
  const policy = d?.policy?.split('/')[1] ?? '';
  return `${recipe.id} ${probe.id} try ${probe.try}: ${probe.observed} by ${d?.kind ?? 'nothing'} ${chainRole} ${policy} ${rule}`;
}

export function passLines(pass: PassFigures): string[] {
  const blocked = pass.probes.filter((p) => p.observed === 'blocked').map((p) => p.durationMs);
  const allowed = pass.probes.filter((p) => p.observed === 'allowed').map((p) => p.durationMs);
  const failed = pass.probes.filter((p) => p.verdict === 'fail').length;
  const evidence = countBy(pass.probes.map((p) => p.evidence ?? 'unknown'));
  return [
    `${pass.label}: wall ${(pass.wallMs / 1000).toFixed(1)} s, ${pass.probes.length} probes (${failed} failed)`,
    `  blocked: n=${blocked.length}, median ${percentile(blocked, 50)} ms, p95 ${percentile(blocked, 95)} ms`,
    `  allowed: n=${allowed.length}, median ${percentile(allowed, 50)} ms, p95 ${percentile(allowed, 95)} ms`,
    `  evidence: ${Object.entries(evidence).map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `  counter reads: ${pass.reads.tableReads} full, ${pass.reads.chainReads} chain reads, ${Math.round(pass.reads.busyMs / 1000)} s reading`,
  ];
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** Differences between two passes' decisions, as lines (empty when they agree everywhere). */
export function compareDecisions(a: PassFigures, b: PassFigures): string[] {
  const digests = (pass: PassFigures): Map<string, string> =>
    new Map(pass.recipes.flatMap((r) => r.probes.map((p) => [`${r.id} ${p.id} ${p.try}`, decisionDigest(r, p)] as const)));
  const left = digests(a);
  const right = digests(b);
  const out: string[] = [];
  for (const [key, digest] of left) if (right.get(key) !== digest) out.push(`- ${digest}\n+ ${right.get(key) ?? `${key}: not run`}`);
  for (const [key, digest] of right) if (!left.has(key)) out.push(`+ ${digest} (only in ${b.label})`);
  return out;
}

export interface SideBySideOptions {
  recipes: string[];
  /** How many times the default pass runs (each compared with the timeout pass). */
  repeat: number;
  signal: AbortSignal;
  write: (line: string) => void;
}

export async function benchSideBySide(options: SideBySideOptions): Promise<BenchResult[]> {
  const log = createLogger('bench');
  const reportsDir = await mkdtemp(join(tmpdir(), 'netpol-bench-catalog-'));
  const base = { ...defaultRunOptions(), calicoVersion: defaultCalico('netns'), recipes: options.recipes, reportsDir, runId: newRunId() };
  const { options: runOptions, recipes } = validateRunOptions(base);
  const session = await RunSession.start(runOptions, { signal: options.signal, log: log.child('engine') });
  try {
    const reads = (): ReaderStats => {
      const sum: ReaderStats = { tableReads: 0, chainReads: 0, busyMs: 0 };
      for (const r of session.counters.values()) {
        sum.tableReads += r.stats.tableReads;
        sum.chainReads += r.stats.chainReads;
        sum.busyMs += r.stats.busyMs;
      }
      return sum;
    };
    const pass = async (label: string, suffix: string, concurrency: number, blockedBy: BlockedBy): Promise<PassFigures> => {
      const readsBefore = reads();
      const started = performance.now();
      const reports = await session.runRecipes(recipes, { concurrency, blockedBy, suffix });
      const wallMs = performance.now() - started;
      const after = reads();
      const figures: PassFigures = {
        label,
        wallMs,
        recipes: reports,
        probes: reports.flatMap((r) => r.probes),
        reads: { tableReads: after.tableReads - readsBefore.tableReads, chainReads: after.chainReads - readsBefore.chainReads, busyMs: after.busyMs - readsBefore.busyMs },
      };
      for (const line of passLines(figures)) options.write(line);
      return figures;
    };
    options.write(
      `catalog bench on one warm netns cluster (Calico ${session.versions.calico}, ${session.versions.dataplane}): ${options.recipes.length === 0 ? `the whole catalog (${recipes.length} recipes)` : `recipes ${options.recipes.join(', ')}`}`,
    );
    const serial = await pass('one by one, timeouts only (--concurrency 1 --blocked-by timeout)', `${session.runId}s`, 1, 'timeout');
    const results: BenchResult[] = [];
    let flakes = 0;
    for (let i = 1; i <= options.repeat; i++) {
      const defaults = await pass(`defaults (--concurrency ${runOptions.concurrency}), run ${i}/${options.repeat}`, `${session.runId}d${i}`, runOptions.concurrency, runOptions.blockedBy);
      const differences = compareDecisions(serial, defaults);
      options.write(`  ratio: ${(serial.wallMs / defaults.wallMs).toFixed(1)}x faster; verdicts and deciding rules ${differences.length === 0 ? 'all the same' : `differ for ${differences.length} probe(s):`}`);
      for (const d of differences.slice(0, 20)) options.write(d.replace(/^/gm, '    '));
      if (differences.length > 0 || defaults.probes.some((p) => p.verdict === 'fail')) flakes++;
      if (i === 1) {
        const blocked = defaults.probes.filter((p) => p.observed === 'blocked').map((p) => p.durationMs);
        const allowed = defaults.probes.filter((p) => p.observed === 'allowed').map((p) => p.durationMs);
        results.push(
          { name: 'catalog: blocked verdict median (defaults)', value: percentile(blocked, 50), unit: 'ms', target: 150, higherIsBetter: false },
          { name: 'catalog: allowed verdict median (defaults)', value: percentile(allowed, 50), unit: 'ms', target: 50, higherIsBetter: false },
          { name: 'catalog: allowed verdict p95 (defaults)', value: percentile(allowed, 95), unit: 'ms', target: 250, higherIsBetter: false },
        );
        if (recipes.length === validateRunOptions({ ...base, recipes: [] }).recipes.length) {
          results.push({ name: 'catalog: whole catalog wall time (defaults, warm cluster)', value: Math.round(defaults.wallMs / 1000), unit: 's', target: 60, higherIsBetter: false });
        }
      }
    }
    results.push(
      { name: `catalog: default runs whose verdicts or deciding rules differ from the timeout run (of ${options.repeat})`, value: flakes, unit: 'runs', target: 0, higherIsBetter: false },
      { name: 'catalog: peak memory of the harness process', value: Math.round(process.resourceUsage().maxRSS / 1024), unit: 'MiB', target: 1024, higherIsBetter: false },
    );
    return results;
  } finally {
    await session.close();
    await rm(reportsDir, { recursive: true, force: true });
  }
}
