// Sweep what killed netns runs left behind: processes carrying the run marker, processes inside
// a run's namespaces, the namespaces themselves and the state directories. Runs whose harness is
// still alive are left alone unless `force` is set.
import { readdir, readFile, readlink, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf } from '../../errors.ts';
import { deleteNetns, listNetns, netnsInode } from './ip.ts';
import { runMarkerVariable, startTicks, type ProcessRecord } from './processes.ts';
import { stateRoot } from './state.ts';
import { resourcePattern } from './topology.ts';

export interface CleanOptions {
  /** Only this run prefix (nc + 6 hex); default every run. */
  only?: string;
  /** Also sweep runs whose harness process is still alive. */
  force?: boolean;
  log: (line: string) => void;
}

export interface CleanReport {
  processes: number;
  namespaces: string[];
  stateDirs: string[];
  skippedLiveRuns: string[];
}

function prefixOf(name: string): string | undefined {
  return resourcePattern.exec(`${name}-`)?.[0].slice(0, -1);
}

async function liveRuns(root: string): Promise<Set<string>> {
  const live = new Set<string>();
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    try {
      const run = JSON.parse(await readFile(join(root, dir, 'run.json'), 'utf8')) as { pid?: number };
      if (run.pid !== undefined && run.pid !== process.pid && isAlive(run.pid)) live.add(dir);
    } catch {
      // no run.json: not live
    }
  }
  return live;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function cleanNetns(options: CleanOptions): Promise<CleanReport> {
  const root = stateRoot();
  const live = options.force ? new Set<string>() : await liveRuns(root);
  // The harness's marker: a run's state dir (made before its first namespace, removed after its
  // last) or, on a process, the run marker variable. A namespace that merely looks like ours is
  // not touched.
  const marked = new Set((await readdir(root).catch(() => [] as string[])).map(prefixOf).filter((p) => p !== undefined));
  const selected = (prefix: string | undefined): prefix is string =>
    prefix !== undefined && (options.only === undefined || prefix === options.only) && !live.has(prefix);
  const wanted = (prefix: string | undefined): prefix is string => selected(prefix) && marked.has(prefix);
  const report: CleanReport = { processes: 0, namespaces: [], stateDirs: [], skippedLiveRuns: [...live] };
  for (const run of live) options.log(`leaving run ${run} alone: its harness is still running (use --force)`);

  const namespaces = (await listNetns()).filter((ns) => wanted(prefixOf(ns)));
  const inodes = new Set((await Promise.all(namespaces.map(netnsInode))).filter((i): i is number => i !== undefined));

  const victims = new Set<number>();
  // Recorded pids, checked against their start time so a recycled pid is never hit.
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    if (!wanted(prefixOf(dir))) continue;
    for (const file of await readdir(join(root, dir, 'pids')).catch(() => [] as string[])) {
      try {
        const record = JSON.parse(await readFile(join(root, dir, 'pids', file), 'utf8')) as ProcessRecord;
        if ((await startTicks(record.pid)) === record.startTicks) victims.add(record.pid);
      } catch {
        // unreadable record: the /proc scan below still finds the process
      }
    }
  }
  // Any process with the run marker, or living in one of the run's namespaces.
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    const marker = environ.split('\0').find((v) => v.startsWith(`${runMarkerVariable}=`));
    if (marker && selected(prefixOf(marker.slice(runMarkerVariable.length + 1)))) {
      victims.add(pid);
      continue;
    }
    const netLink = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
    const inode = Number(/\[(\d+)\]/.exec(netLink)?.[1]);
    if (inodes.has(inode)) victims.add(pid);
  }
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
      report.processes++;
    } catch {
      // already gone
    }
  }
  if (victims.size > 0) options.log(`killed ${report.processes} leftover processes`);
  await new Promise((resolve) => setTimeout(resolve, victims.size > 0 ? 200 : 0));

  for (const ns of namespaces) {
    try {
      await deleteNetns(ns);
      report.namespaces.push(ns);
      options.log(`deleted network namespace ${ns}`);
    } catch (e) {
      options.log(`could not delete network namespace ${ns}: ${messageOf(e)}`);
    }
  }
  for (const dir of await readdir(root).catch(() => [] as string[])) {
    if (!wanted(prefixOf(dir))) continue;
    await rm(join(root, dir), { recursive: true, force: true });
    report.stateDirs.push(join(root, dir));
  }
  return report;
}
