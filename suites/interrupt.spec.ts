// Ctrl-C (SIGINT) and CI's cancel (SIGTERM) at many points of a real run and a real gate, each
// point chosen from the run's own progress output: setup, probing and teardown. After each, the
// run ids hold nothing: no namespaces, processes, state, host links/routes/rules naming them, temp
// directories or run id locks, and no half-written report.json. Then SIGKILL, which allows no
// teardown at all, followed by `clean` scoped to that run. Only this spec's own run ids are
// looked at: other runs on the machine may come and go meanwhile.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { interruptAt, remainsOf, type InterruptPoint } from './support/interrupt.ts';
import { leftoversOf, netnsOf } from './support/run-resources.ts';

const cli = fileURLToPath(new URL('../bin/netpol-conformance.js', import.meta.url));
const suffix = Date.now().toString(36).slice(-3);

// Points of `run --recipe 01,03`, one recipe after the other (longest first), in the order the
// run reaches them.
// Blocked probes wait out their connect timeout, so probing lasts long enough to be interrupted.
const runArgs = ['--recipe', '01,03', '--concurrency', '1', '--blocked-by', 'timeout'];
const runPoints: InterruptPoint[] = [
  { name: 'setup: the cluster work dir is made', line: /netns cluster nc\w+: work dir/, signal: 'SIGINT' },
  { name: 'setup: binaries and keys are ready', line: /binaries-and-pki took/, signal: 'SIGTERM' },
  { name: 'setup: the control plane namespace is wired', line: /control-plane-netns took/, signal: 'SIGINT' },
  { name: 'setup: the node namespaces are wired', line: /node-netns took/, signal: 'SIGTERM' },
  { name: 'setup: the API server answers', line: /api-server took/, signal: 'SIGINT' },
  { name: 'setup: Calico\'s datastore is loaded', line: /calico-datastore took/, signal: 'SIGTERM' },
  { name: 'setup: the cluster is ready', line: /cluster ready in/, signal: 'SIGINT' },
  { name: 'first recipe: fixtures being deployed', line: /recipe 0[13]: DENY all/, signal: 'SIGTERM' },
  { name: 'first recipe: probing after its policy', line: /step after enforced/, signal: 'SIGINT' },
  { name: 'second recipe: starting', line: /done \(1\/2\)/, signal: 'SIGTERM' },
  { name: 'second recipe: probing after its policy', line: /step after enforced/, occurrence: 2, signal: 'SIGINT' },
  { name: 'teardown: reports written', line: /reports written to/, signal: 'SIGTERM' },
  { name: 'teardown: the cluster going down', line: /tearing the cluster down/, signal: 'SIGINT' },
];

// Points of `gate --recipe 01`: its two runs one after the other.
const gatePoints: InterruptPoint[] = [
  { name: 'baseline: about to start', line: /== gate: baseline run/, signal: 'SIGINT' },
  { name: 'baseline: setup, the control plane wired', line: /control-plane-netns took/, signal: 'SIGTERM' },
  { name: 'baseline: setup, the API server answers', line: /api-server took/, signal: 'SIGINT' },
  { name: 'baseline: the cluster is ready', line: /cluster ready in/, signal: 'SIGTERM' },
  { name: 'baseline: fixtures being deployed', line: /recipe 01: DENY all traffic/, signal: 'SIGINT' },
  { name: 'baseline: probing after the policy', line: /step after enforced/, signal: 'SIGTERM' },
  { name: 'baseline: teardown', line: /tearing the cluster down/, signal: 'SIGINT' },
  { name: 'candidate: about to start', line: /== gate: candidate run/, signal: 'SIGTERM' },
  { name: 'candidate: setup, Calico\'s datastore', line: /calico-datastore took/, occurrence: 2, signal: 'SIGINT' },
  { name: 'candidate: fixtures being deployed', line: /recipe 01: DENY all traffic/, occurrence: 2, signal: 'SIGTERM' },
  { name: 'candidate: probing after the policy', line: /step after enforced/, occurrence: 2, signal: 'SIGINT' },
  { name: 'candidate: teardown', line: /tearing the cluster down/, occurrence: 2, signal: 'SIGTERM' },
];

describe('interrupted runs and gates leave nothing behind', function () {
  this.timeout(5 * 60_000);
  let reports: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    reports = await mkdtemp(join(tmpdir(), 'netpol-interrupt-'));
  });
  after(async () => {
    if (reports) await rm(reports, { recursive: true, force: true });
  });

  runPoints.forEach((point, i) => {
    it(`run, ${point.signal} at ${point.name}`, async () => {
      const runId = `ir${suffix}${i.toString(36)}`;
      const result = await interruptAt(['run', ...runArgs, '--run-id', runId, '--reports', reports], point);
      expect(result.fired, `the run reached "${point.name}":\n${result.output}`).to.equal(true);
      expect(result.killedBy, 'the run exited by itself, after its teardown').to.equal(undefined);
      // Before its teardown the run is cut short: exit 130. In its teardown it finishes that.
      if (!point.name.startsWith('teardown')) expect(result.exitCode, result.output).to.equal(130);
      expect(await remainsOf([runId], reports), result.output).to.deep.equal([]);
    });
  });

  gatePoints.forEach((point, i) => {
    it(`gate, ${point.signal} at ${point.name}`, async () => {
      const dir = join(reports, `gate-${i}`);
      const result = await interruptAt(['gate', '--recipe', '01', '--reports', dir], point);
      expect(result.fired, `the gate reached "${point.name}":\n${result.output}`).to.equal(true);
      expect(result.killedBy, 'the gate exited by itself, after its runs\' teardown').to.equal(undefined);
      expect(result.exitCode, result.output).to.not.equal(0);
      const runIds = [...result.output.matchAll(/--run-id=(\w+)/g)].map((m) => m[1]!);
      expect(runIds.length, 'the gate named its runs').to.be.at.least(1);
      expect(await remainsOf(runIds, dir), result.output).to.deep.equal([]);
    });
  });

  it('after SIGKILL, `clean` scoped to the run removes what it left', async () => {
    const runId = `ik${suffix}`;
    const child = execa(process.execPath, [cli, 'run', '--recipe', '03', '--run-id', runId, '--reports', reports], { reject: false, all: true });
    for (let i = 0; i < 1200 && !(await netnsOf(runId)).some((n) => /-p-\d+$/.test(n)); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await child;
    const left = await leftoversOf(runId);
    expect(left.namespaces, 'a killed run cannot clean up after itself').to.not.deep.equal([]);
    expect(left.processes, 'its processes outlive it').to.not.deep.equal([]);
    const clean = await execa(process.execPath, [cli, 'clean', '--provider', 'netns', '--run', runId], { reject: false, all: true });
    expect(clean.exitCode, String(clean.all)).to.equal(0);
    expect(await remainsOf([runId], reports)).to.deep.equal([]);
  });
});
