// Sweeps what kind runs left behind: kind clusters named nc-* (or the one of a run id), and the
// Docker containers and networks labelled with a run id (external hosts, test networks).
import { readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../log.ts';
import { messageOf } from '../../errors.ts';
import { resolveKind } from './binary.ts';
import { kindClusterName } from './config.ts';
import { docker, kindClusterLabel, labels, listLabelled, removeResource, type LabelledResource } from './docker.ts';

export interface SweepOptions {
  /** Only this run's leftovers; default: every run's. */
  runId?: string;
  /** List, remove nothing. */
  dryRun?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export interface SweepResult {
  /** One line per thing removed (or that would be, with dryRun). */
  removed: string[];
  /** Failures; the sweep goes on past them. */
  errors: string[];
  /** Why nothing was swept (no Docker), if so. */
  skipped?: string;
}

const harnessCluster = /^nc-[a-z0-9.-]+$/;

export async function sweepKind(options: SweepOptions = {}): Promise<SweepResult> {
  const log = options.log ?? createLogger('clean:kind');
  const signal = options.signal ?? new AbortController().signal;
  const result: SweepResult = { removed: [], errors: [] };
  try {
    await docker(5_000);
  } catch (e) {
    result.skipped = `no Docker: ${messageOf(e)}`;
    return result;
  }
  const wanted = (cluster: string): boolean => (options.runId ? cluster === kindClusterName(options.runId) : harnessCluster.test(cluster));

  // kind clusters: through kind when it is built (clean never builds it), else their node
  // containers and the cluster's network go with the labelled resources below.
  const nodeContainers = (await listLabelled(kindClusterLabel)).filter((r) => wanted(r.labels[kindClusterLabel] ?? ''));
  const clusters = [...new Set(nodeContainers.map((r) => r.labels[kindClusterLabel]!))];
  let kindDeleted = false;
  if (clusters.length > 0) {
    try {
      const kind = await resolveKind({ signal, log, noBuild: true });
      for (const cluster of clusters) {
        if (!options.dryRun) await kind.deleteCluster(cluster);
        result.removed.push(`kind cluster ${cluster}`);
      }
      kindDeleted = true;
    } catch (e) {
      log.debug(`kind unavailable (${messageOf(e)}); removing node containers directly`);
    }
  }
  // The private temp dir holding each swept cluster's kubeconfig (admin key): cluster.ts makes
  // it as <tmpdir>/netpol-kind-<run id>-XXXXXX, and a killed run cannot remove it.
  for (const cluster of clusters) {
    const runId = cluster.slice('nc-'.length);
    for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
      if (!new RegExp(`^netpol-kind-${runId.replace(/[.]/g, '\\.')}-[A-Za-z0-9]{6}$`).test(name)) continue;
      if (!options.dryRun) await rm(join(tmpdir(), name), { recursive: true, force: true });
      result.removed.push(`kubeconfig dir ${join(tmpdir(), name)}`);
    }
  }
  const leftovers: LabelledResource[] = [
    ...(kindDeleted ? [] : nodeContainers),
    ...(await listLabelled(labels.runId, options.runId)),
  ];
  // Containers before networks: a network in use cannot be removed.
  leftovers.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'container' ? -1 : 1));
  for (const resource of leftovers) {
    const line = `${resource.kind} ${resource.name}${resource.labels[labels.runId] ? ` (run ${resource.labels[labels.runId]})` : ''}`;
    try {
      if (!options.dryRun) await removeResource(resource);
      result.removed.push(line);
    } catch (e) {
      result.errors.push(`${line}: ${messageOf(e)}`);
    }
  }
  for (const line of result.removed) log.info(`${options.dryRun ? 'would remove' : 'removed'} ${line}`);
  return result;
}
