// `expect` at cluster scale, measured as a user runs it: a fresh process (tsx start included) on
// a generated scenario, JSON written to a file, wall time and the process's peak memory.
import { spawn } from 'node:child_process';
import { openSync, closeSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { BenchResult } from './pure.ts';
import { scaleScenarioText, type ScaleOptions } from './scale-scenario.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface ExpectRun {
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  outputMiB: number;
}

async function runExpect(scenario: string, output: string, args: string[]): Promise<ExpectRun> {
  const fd = openSync(output, 'w');
  const started = performance.now();
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'lib/bench/expect-child.ts', scenario, ...args], { cwd: root, stdio: ['ignore', fd, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const status = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const wallMs = performance.now() - started;
    const report = JSON.parse(stderr.trim().split('\n').at(-1) ?? '{}') as { code?: number; maxRssKiB?: number; userMs?: number; systemMs?: number };
    if (status !== 0 || report.code !== 0) throw new Error(`expect ${args.join(' ')} on ${scenario} exited ${status}: ${stderr.slice(0, 500)}`);
    return {
      wallMs,
      cpuMs: (report.userMs ?? 0) + (report.systemMs ?? 0),
      maxRssMiB: (report.maxRssKiB ?? 0) / 1024,
      outputMiB: statSync(output).size / 1024 / 1024,
    };
  } finally {
    closeSync(fd);
  }
}

interface ExpectCase {
  label: string;
  scale: ScaleOptions;
  targetMs: number;
  targetMiB?: number;
}

/** The two sizes of issue targets: 2,000 pods x 200 policies and 1,000 x 100, JSON and tables. */
export async function benchExpect(): Promise<BenchResult[]> {
  const cases: ExpectCase[] = [
    { label: '2,000 pods x 200 policies', scale: { namespaces: 20, podsPerNamespace: 100, policiesPerNamespace: 10 }, targetMs: 15_000, targetMiB: 1024 },
    { label: '1,000 pods x 100 policies', scale: { namespaces: 10, podsPerNamespace: 100, policiesPerNamespace: 10 }, targetMs: 3_000 },
    { label: '2,000 pods x 200 policies, 40 of them Calico (2 tiers)', scale: { namespaces: 20, podsPerNamespace: 100, policiesPerNamespace: 10, calico: true }, targetMs: 15_000, targetMiB: 1024 },
  ];
  const dir = await mkdtemp(join(tmpdir(), 'netpol-bench-expect-'));
  const results: BenchResult[] = [];
  try {
    for (const c of cases) {
      const scenario = join(dir, 'scenario.yaml');
      await writeFile(scenario, scaleScenarioText(c.scale));
      const json = await runExpect(scenario, join(dir, 'out.json'), ['--json']);
      await rm(join(dir, 'out.json'), { force: true });
      const detail = `${Math.round(json.outputMiB)} MiB of JSON, ${Math.round(json.cpuMs)} ms CPU`;
      results.push({ name: `expect --json, ${c.label} (${detail})`, value: Math.round(json.wallMs), unit: 'ms', target: c.targetMs, higherIsBetter: false });
      if (c.targetMiB !== undefined) {
        results.push({ name: `expect --json, ${c.label}: peak memory`, value: Math.round(json.maxRssMiB), unit: 'MiB', target: c.targetMiB, higherIsBetter: false });
      }
      const tables = await runExpect(scenario, join(dir, 'out.txt'), []);
      results.push({ name: `expect (summarised tables), ${c.label} (${Math.round(tables.cpuMs)} ms CPU)`, value: Math.round(tables.wallMs), unit: 'ms', target: c.targetMs, higherIsBetter: false });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}
