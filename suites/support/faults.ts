// Faults injected into one real run from outside, as a failing machine would: a component of its
// cluster killed, a pod's network link removed. Only the run with this id is touched.
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { resourcePrefix } from '../../lib/cluster/netns/index.ts';
import { processesOf } from './run-resources.ts';

export interface RunProcess {
  pid: number;
  argv: string[];
  /** The named network namespace the process lives in, if it is one of the run's. */
  netns: string | undefined;
}

/** The run's processes with their command lines and network namespaces. */
export async function runProcesses(runId: string): Promise<RunProcess[]> {
  const prefix = resourcePrefix(runId);
  const inodes = new Map<number, string>();
  for (const name of (await readdir('/run/netns').catch(() => [] as string[])).filter((n) => n.startsWith(`${prefix}-`))) {
    const info = await stat(`/run/netns/${name}`).catch(() => undefined);
    if (info) inodes.set(info.ino, name);
  }
  const found: RunProcess[] = [];
  for (const pid of await processesOf(runId)) {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').filter(Boolean);
    const link = await readlink(`/proc/${pid}/ns/net`).catch(() => '');
    found.push({ pid, argv, netns: inodes.get(Number(/\[(\d+)\]/.exec(link)?.[1])) });
  }
  return found;
}

/** SIGKILLs the first of the run's processes that `match` picks; returns it. */
export async function killProcess(runId: string, what: string, match: (p: RunProcess) => boolean): Promise<RunProcess> {
  const victim = (await runProcesses(runId)).find(match);
  if (!victim) throw new Error(`run ${runId} has no ${what} process to kill`);
  process.kill(victim.pid, 'SIGKILL');
  return victim;
}

/**
 * Kills what `match` picks `times` times, each time waiting for the harness to restart it (a
 * fixture server comes back three times): the last kill leaves it dead for good.
 */
export async function killRepeatedly(runId: string, what: string, match: (p: RunProcess) => boolean, times: number): Promise<void> {
  const killed = new Set<number>();
  for (let i = 0; i < times; i++) {
    let victim: RunProcess | undefined;
    for (let wait = 0; wait < 250 && !victim; wait++) {
      victim = (await runProcesses(runId)).find((p) => match(p) && !killed.has(p.pid));
      if (!victim) await new Promise((r) => setTimeout(r, 20));
    }
    if (!victim) throw new Error(`run ${runId} has no ${what} process to kill (kill ${i + 1} of ${times})`);
    killed.add(victim.pid);
    process.kill(victim.pid, 'SIGKILL');
  }
}

export const isFelix = (p: RunProcess): boolean => p.argv.some((a) => a.endsWith('calico-felix'));
export const isApiServer = (p: RunProcess): boolean => p.argv.some((a) => a.endsWith('kube-apiserver'));
/** A fixture server listening on TCP `port` in a pod's namespace (IPv4 only, or one IPv6 socket taking both families). */
export const isPodServer = (port: number) => (p: RunProcess): boolean =>
  p.netns !== undefined && /-p-\d+$/.test(p.netns) && p.argv.some((a) => new RegExp(`^TCP[46]?-LISTEN:${port},`).test(a));

/** Removes the veth of the pod whose fixture serves TCP `port` (both ends go with it); returns the pod's namespace. */
export async function removePodVeth(runId: string, port: number): Promise<string> {
  const server = (await runProcesses(runId)).find(isPodServer(port));
  if (!server?.netns) throw new Error(`run ${runId} has no pod serving TCP ${port}`);
  await execa('ip', ['-n', server.netns, 'link', 'del', 'eth0']);
  return server.netns;
}
