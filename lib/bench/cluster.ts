// Benchmark of a warm netns cluster start (cached binaries): nothing -> every felix ready, and
// the peak memory of the cluster's processes (etcd, kube-apiserver, felix, relays), found by the
// run marker every child carries.
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runMarkerVariable } from '../cluster/netns/processes.ts';
import { createLogger } from '../log.ts';
import { newRunId } from '../run/session.ts';
import { defaultCalico } from '../run/options.ts';
import type { BenchResult } from './pure.ts';


/** Peak resident memory (VmHWM) of every process carrying this cluster's marker, in MiB. */
async function peakMemoryMiB(prefix: string): Promise<{ total: number; processes: number }> {
  let total = 0;
  let processes = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      if (!environ.split('\0').includes(`${runMarkerVariable}=${prefix}`)) continue;
      const status = await readFile(`/proc/${entry}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      total += kb / 1024;
      processes++;
    } catch {
      // The process ended while we looked.
    }
  }
  return { total: Math.round(total), processes };
}

export async function benchClusterStart(signal: AbortSignal): Promise<BenchResult[]> {
  const { createNetnsCluster, resourcePrefix } = await import('../cluster/netns/index.ts');
  const runId = newRunId();
  const workDir = await mkdtemp(join(tmpdir(), 'netpol-bench-'));
  const log = createLogger('bench');
  const started = performance.now();
  const cluster = await createNetnsCluster({
    runId,
    calicoVersion: defaultCalico('netns'),
    dataplane: 'iptables-nft',
    workDir,
    signal,
    log: (line) => log.debug(line),
  }).catch(async (e: unknown) => {
    await rm(workDir, { recursive: true, force: true });
    throw e;
  });
  try {
    const ready = performance.now() - started;
    const memory = await peakMemoryMiB(resourcePrefix(runId));
    return [
      { name: 'netns cluster: warm start, nothing -> every felix ready (2 nodes)', value: Math.round(ready), unit: 'ms', target: 15_000, higherIsBetter: false },
      { name: `netns cluster: peak memory of its ${memory.processes} processes`, value: memory.total, unit: 'MiB', target: 2048, higherIsBetter: false },
    ];
  } finally {
    await cluster.destroy();
    await rm(workDir, { recursive: true, force: true });
  }
}
