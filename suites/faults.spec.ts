// Faults on a real netns cluster, injected from outside at a point of the run's own progress:
// felix killed, kube-apiserver killed (the harness restarts it), a fixture server killed for good,
// a pod's veth removed, the reports disk full. Whatever happens, no probe is called `blocked`
// unless a Calico rule dropped its packets, the probes the fault spoiled are `check-failed` with
// a diagnosis naming the component (with its last log lines) or the run ends with one clear
// error, report.json is whole or absent, and the run leaves nothing behind.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import type { ProbeReport, Report } from '../lib/report/schema.ts';
import { validateReport } from '../lib/report/validate.ts';
import { isApiServer, isFelix, isPodServer, killProcess, killRepeatedly, removePodVeth } from './support/faults.ts';
import { interruptAt, remainsOf } from './support/interrupt.ts';

const suffix = Date.now().toString(36).slice(-3);
const denyKinds = new Set(['end-of-tier-drop', 'policy-deny', 'other-drop']);

/**
 * Runs recipe 01 and injects `fault` at the first line matching `at`. Blocked probes wait out a
 * 5 s connect timeout (no early end on a counted drop), so the "after" probes take half a minute
 * and a fault injected as they start meets most of them.
 */
async function runWithFault(reports: string, runId: string, at: RegExp, fault: (runId: string) => Promise<unknown>) {
  let injected: Promise<unknown> = Promise.resolve();
  const args = ['run', '--recipe', '01', '--blocked-by', 'timeout', '--connect-timeout', '5', '--run-id', runId, '--reports', reports];
  const result = await interruptAt(args, {
    name: 'fault',
    line: at,
    action: () => {
      injected = fault(runId);
    },
  });
  await injected;
  const file = join(reports, runId, 'report.json');
  const report = existsSync(file) ? validateReport(JSON.parse(await readFile(file, 'utf8')), file) : undefined;
  return { result, report };
}

const probesOf = (report: Report | undefined): ProbeReport[] => report?.recipes.flatMap((r) => r.probes) ?? [];

/** No `blocked` verdict without a Calico rule that dropped the probe's packets. */
function blockedWithoutDrop(report: Report | undefined): string[] {
  return probesOf(report)
    .filter((p) => p.observed === 'blocked' && !(p.decidedBy && denyKinds.has(p.decidedBy.kind)))
    .map((p) => `${p.id} (try ${p.try}): blocked, decided by ${p.decidedBy?.kind ?? 'nothing'}: ${p.detail}`);
}

describe('faults on a real cluster: check-failed with a diagnosis, never a false blocked', function () {
  this.timeout(10 * 60_000);
  let reports: string;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    reports = await mkdtemp(join(tmpdir(), 'netpol-faults-'));
  });
  after(async () => {
    if (reports) await rm(reports, { recursive: true, force: true });
  });

  it('felix killed as the after probes start: check-failed naming felix and its last log lines', async () => {
    const runId = `ff${suffix}`;
    const { result, report } = await runWithFault(reports, runId, /step after enforced/, (id) => killProcess(id, 'felix', isFelix));
    expect(result.fired, result.output).to.equal(true);
    expect(result.exitCode, result.output).to.not.equal(0);
    expect(blockedWithoutDrop(report)).to.deep.equal([]);
    const failed = probesOf(report).filter((p) => p.observed === 'check-failed');
    expect(failed.length, result.output).to.be.greaterThan(0);
    expect(failed.every((p) => /felix-node-\d: .*signal SIGKILL.*last log lines: /.test(p.detail)), failed.map((p) => p.detail).join('\n')).to.equal(true);
    expect(await remainsOf([runId], reports)).to.deep.equal([]);
  });

  it('kube-apiserver killed as the recipe deploys: restarted, the recipe check-failed naming the restart', async () => {
    const runId = `fa${suffix}`;
    // The recipe starts as the cluster is ready; the API server takes seconds to come back.
    const { result, report } = await runWithFault(reports, runId, /cluster ready in/, (id) => killProcess(id, 'kube-apiserver', isApiServer));
    expect(result.fired, result.output).to.equal(true);
    expect(result.output).to.match(/kube-apiserver exited unexpectedly \(signal SIGKILL\); restarting/);
    expect(result.exitCode, result.output).to.not.equal(0);
    expect(blockedWithoutDrop(report)).to.deep.equal([]);
    const failed = probesOf(report).filter((p) => p.observed === 'check-failed');
    expect(failed.length, result.output).to.be.greaterThan(0);
    expect(failed.every((p) => /kube-apiserver: signal SIGKILL, restarted/.test(p.detail)), failed.map((p) => p.detail).join('\n')).to.equal(true);
    expect(await remainsOf([runId], reports)).to.deep.equal([]);
  });

  it('a fixture server killed for good: check-failed naming the server', async () => {
    const runId = `fs${suffix}`;
    // Four kills: the harness restarts a fixture server three times, then reports it dead.
    const { result, report } = await runWithFault(reports, runId, /step after enforced/, (id) => killRepeatedly(id, 'web server', isPodServer(80), 4));
    expect(result.fired, result.output).to.equal(true);
    expect(result.exitCode, result.output).to.not.equal(0);
    expect(blockedWithoutDrop(report)).to.deep.equal([]);
    const failed = probesOf(report).filter((p) => p.observed === 'check-failed');
    expect(failed.length, result.output).to.be.greaterThan(0);
    expect(failed.some((p) => /pod-default-01-\w+-web-tcp-80: .*last log lines|web-tcp-80/.test(p.detail)), failed.map((p) => p.detail).join('\n')).to.equal(true);
    expect(await remainsOf([runId], reports)).to.deep.equal([]);
  });

  it('a pod\'s veth removed: timeouts with no Calico drop are check-failed, not blocked', async () => {
    const runId = `fv${suffix}`;
    const { result, report } = await runWithFault(reports, runId, /step after enforced/, (id) => removePodVeth(id, 80));
    expect(result.fired, result.output).to.equal(true);
    expect(result.exitCode, result.output).to.not.equal(0);
    expect(blockedWithoutDrop(report)).to.deep.equal([]);
    const failed = probesOf(report).filter((p) => p.observed === 'check-failed' && p.phase === 'after');
    expect(failed.length, result.output).to.be.greaterThan(0);
    // Each says why: a timeout that no Calico rule counted, or the network's own answer (with the
    // pod's link gone its route goes too, the node answers "unreachable" and the client says so).
    expect(failed.every((p) => /no Calico rule dropped|unreachable|couldn.t connect/i.test(p.detail)), failed.map((p) => p.detail).join('\n')).to.equal(true);
    expect(await remainsOf([runId], reports)).to.deep.equal([]);
  });

  it('the reports disk full: one clear error, no report.json that is not whole, nothing left', async () => {
    const runId = `fd${suffix}`;
    const disk = join(reports, 'small-disk');
    await mkdir(disk);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=400k', 'tmpfs', disk]);
    try {
      const result = await interruptAt(['run', '--recipe', '01', '--run-id', runId, '--reports', disk], { name: 'never', line: /^$^/ });
      expect(result.exitCode, result.output).to.equal(4);
      expect(result.output).to.match(/cannot write the reports into .*\(ENOSPC\); free space there or give another --reports/);
      expect(existsSync(join(disk, runId, 'report.json'))).to.equal(false);
      expect(await remainsOf([runId], disk)).to.deep.equal([]);
    } finally {
      await execa('umount', [disk], { reject: false });
    }
  });
});
