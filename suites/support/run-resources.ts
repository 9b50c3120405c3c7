// What one run (by its run id) holds on this machine, for the specs that prove a run leaves
// nothing behind. Only that run's resources are looked at: other runs may come and go meanwhile.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { resourcePrefix } from '../../lib/cluster/netns/index.ts';
import { runMarkerVariable } from '../../lib/cluster/netns/processes.ts';
import { stateRoot } from '../../lib/cluster/netns/state.ts';

/** The run's network namespaces (its control plane, nodes, pods and external hosts). */
export async function netnsOf(runId: string): Promise<string[]> {
  const prefix = resourcePrefix(runId);
  const { stdout } = await execa('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}

/** Pids of processes carrying the run's marker (etcd, kube-apiserver, felix, relays, fixture servers). */
export async function processesOf(runId: string): Promise<number[]> {
  const marker = `${runMarkerVariable}=${resourcePrefix(runId)}`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** The run's private state directory (keys, kubeconfigs, etcd data), while it exists. */
export function stateDirOf(runId: string): string | undefined {
  const dir = join(stateRoot(), resourcePrefix(runId));
  return existsSync(dir) ? dir : undefined;
}

/** Everything the run still holds; empty lists and no state dir once it is gone. */
export async function leftoversOf(runId: string): Promise<{ namespaces: string[]; processes: number[]; stateDir: string | undefined }> {
  return { namespaces: await netnsOf(runId), processes: await processesOf(runId), stateDir: stateDirOf(runId) };
}
