// Ctrl-C and a crash in the middle of a real run: SIGINT tears everything down before the
// harness exits; after SIGKILL (no teardown at all) `netpol-conformance clean` removes what the
// run left: processes, network namespaces and state.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa, type ResultPromise } from 'execa';
import { hostNetworkState, resourcePrefix } from '../lib/cluster/netns/index.ts';
import { runMarkerVariable } from '../lib/cluster/netns/processes.ts';

const cli = fileURLToPath(new URL('../bin/netpol-conformance.js', import.meta.url));

async function netnsOf(prefix: string): Promise<string[]> {
  const { stdout } = await execa('ip', ['netns', 'list']);
  return stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}

/** Processes carrying this run's marker (etcd, kube-apiserver, felix, relays, fixture servers). */
async function processesOf(runId: string): Promise<number[]> {
  const marker = `${runMarkerVariable}=${resourcePrefix(runId)}`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const environ = await readFile(`/proc/${entry}/environ`, 'latin1').catch(() => '');
    if (environ.split('\0').includes(marker)) pids.push(Number(entry));
  }
  return pids;
}

/** Starts a run of recipe 03 and resolves once its fixture pods exist. */
async function startRun(runId: string, reports: string): Promise<{ child: ResultPromise<{ reject: false; all: true }> }> {
  const child = execa('node', [cli, 'run', '--recipe', '03', '--run-id', runId, '--reports', reports], { reject: false, all: true });
  const prefix = resourcePrefix(runId);
  for (let i = 0; i < 600; i++) {
    if ((await netnsOf(prefix)).some((n) => /-p-\d+$/.test(n))) return { child };
    if (child.nodeChildProcess.exitCode !== null) throw new Error(`run exited early: ${String((await child).all)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the run never deployed its pods');
}

/** The host namespace's links, routes, rules and firewall; namespaces are checked per run above,
 * since other runs may come and go meanwhile. */
async function hostState(): Promise<Record<string, string>> {
  const { netns: _others, ...rest } = await hostNetworkState();
  return rest;
}

describe('interrupted runs leave nothing behind', function () {
  this.timeout(5 * 60_000);
  let hostBefore: Record<string, string>;
  let reports: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    hostBefore = await hostState();
    reports = await mkdtemp(join(tmpdir(), 'netpol-interrupt-'));
  });

  after(async () => {
    if (reports) await rm(reports, { recursive: true, force: true });
  });

  it('Ctrl-C mid-run tears the cluster down before the harness exits', async () => {
    const runId = `int${Date.now().toString(36).slice(-4)}`;
    const { child } = await startRun(runId, reports);
    expect(await processesOf(runId), 'the run\'s processes are found while it runs').to.not.deep.equal([]);
    child.kill('SIGINT');
    const result = await child;
    expect(result.exitCode, String(result.all)).to.not.equal(0);
    expect(await netnsOf(resourcePrefix(runId))).to.deep.equal([]);
    expect(await processesOf(runId)).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(hostBefore);
  });

  it('after SIGKILL, `clean` removes what the run left', async () => {
    const runId = `kil${Date.now().toString(36).slice(-4)}`;
    const { child } = await startRun(runId, reports);
    child.kill('SIGKILL');
    await child;
    const prefix = resourcePrefix(runId);
    expect(await netnsOf(prefix), 'a killed run cannot clean up after itself').to.not.deep.equal([]);
    expect(await processesOf(runId), 'its processes outlive it').to.not.deep.equal([]);
    const clean = await execa('node', [cli, 'clean', '--provider', 'netns', '--run', runId], { reject: false, all: true });
    expect(clean.exitCode, String(clean.all)).to.equal(0);
    expect(await netnsOf(prefix)).to.deep.equal([]);
    expect(await processesOf(runId)).to.deep.equal([]);
    expect(await hostState()).to.deep.equal(hostBefore);
  });
});
