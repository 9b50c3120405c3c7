// A real kind cluster running Calico, made from the images `netpol-conformance images` built here
// (no registry is reachable on this machine: nothing can be pulled, so a pull would fail the run).
// The harness's own `run` creates it, probes recipes with an external host and egress policies,
// reads the counters from the node containers, and deletes it; then a run killed mid-way is swept
// by `clean`. Needs root, Docker and the images (.ci/setup builds them).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { kindClusterLabel, labels, listLabelled } from '../lib/cluster/kind/docker.ts';
import { kindClusterName } from '../lib/cluster/kind/config.ts';
import type { Report } from '../lib/report/schema.ts';

const cli = fileURLToPath(new URL('../bin/netpol-conformance.js', import.meta.url));

/** Containers and networks of one run: kind's node containers and the harness's external hosts. */
async function leftovers(runId: string): Promise<string[]> {
  const nodes = await listLabelled(kindClusterLabel, kindClusterName(runId));
  const ours = await listLabelled(labels.runId, runId);
  return [...nodes, ...ours].map((r) => `${r.kind} ${r.name}`);
}

describe('kind: a real cluster from locally built images', function () {
  this.timeout(40 * 60_000);
  let reports = '';

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    reports = await mkdtemp(join(tmpdir(), 'netpol-kind-e2e-'));
  });
  after(async () => {
    if (reports) await rm(reports, { recursive: true, force: true });
  });

  it('runs recipes with an external host and egress policies, every verdict backed by a rule, and leaves nothing', async () => {
    const runId = 'rkinde2e';
    const run = await execa('node', [cli, 'run', '--provider', 'kind', '--images', 'local', '--recipe', '01,06,11b,14', '--run-id', runId, '--reports', reports], {
      reject: false,
      all: true,
    });
    expect(run.exitCode, run.all.split('\n').slice(-40).join('\n')).to.equal(0);
    const report = JSON.parse(await readFile(join(reports, runId, 'report.json'), 'utf8')) as Report;
    expect(report.run.provider).to.equal('kind');
    expect(report.run.environment?.images).to.equal('local');
    expect(report.run.environment?.calicoManifest?.file).to.equal('calico-vxlan.yaml');
    expect(Object.keys(report.run.environment?.imageIds ?? {})).to.include.members(['netpol-conformance/kind-node:v1.36.1', `quay.io/calico/node:${report.run.calico.version}`]);
    expect(report.recipes.map((r) => r.id)).to.deep.equal(['01', '06', '11b', '14']);
    const probes = report.recipes.flatMap((r) => r.probes);
    expect(probes.length).to.be.greaterThan(100);
    expect(probes.filter((p) => p.verdict !== 'pass').map((p) => p.id)).to.deep.equal([]);
    // Every verdict names the rule that produced it, read from the kind nodes' counters.
    expect(probes.filter((p) => !p.decidedBy).map((p) => p.id)).to.deep.equal([]);
    // The external host was reached (recipe 14 probes to and from "outside").
    expect(probes.some((p) => p.to === 'outside' && p.observed === 'allowed')).to.equal(true);
    expect(probes.some((p) => p.decidedBy?.kind === 'policy-allow')).to.equal(true);
    expect(probes.some((p) => p.observed === 'blocked')).to.equal(true);
    expect(await leftovers(runId)).to.deep.equal([]);
    const clusters = await execa('docker', ['ps', '-a', '--filter', `label=${kindClusterLabel}=${kindClusterName(runId)}`, '-q']);
    expect(clusters.stdout.trim()).to.equal('');
  });

  it('clean removes the cluster and external host of a run killed mid-way', async () => {
    const runId = 'rkkill';
    const child = execa('node', [cli, 'run', '--provider', 'kind', '--images', 'local', '--recipe', '14', '--run-id', runId, '--reports', reports], {
      reject: false,
      all: true,
    });
    // Killed once the recipe's external host exists, i.e. the cluster is up and the recipe runs.
    let probing = false;
    for (let i = 0; i < 1200 && !probing && child.nodeChildProcess.exitCode === null; i++) {
      probing = (await leftovers(runId)).some((l) => l.includes('-ext-'));
      if (!probing) await new Promise((r) => setTimeout(r, 500));
    }
    child.kill('SIGKILL');
    const result = await child;
    expect(probing, result.all.split('\n').slice(-20).join('\n')).to.equal(true);
    const left = await leftovers(runId);
    expect(left.some((l) => l.includes('control-plane')), left.join(', ')).to.equal(true);
    expect(left.some((l) => l.includes('-ext-')), left.join(', ')).to.equal(true);
    const clean = await execa('node', [cli, 'clean', '--provider', 'kind', '--run', runId], { reject: false, all: true });
    expect(clean.exitCode, clean.all).to.equal(0);
    expect(await leftovers(runId)).to.deep.equal([]);
    // Nor the private temp dir of its kubeconfig.
    expect((await readdir(tmpdir())).filter((n) => n.startsWith(`netpol-kind-${runId}-`))).to.deep.equal([]);
  });
});
