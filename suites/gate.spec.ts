// The release gate end to end on real netns clusters: two runs of recipe 01 (deny all ingress to
// web), compared. Unchanged Calico stays green; a candidate where a tier ahead of the default one
// allows everything (a real change of enforcement, carried out by a real felix) goes red.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import type { Comparison } from '../lib/report/compare.ts';

const cli = fileURLToPath(new URL('../bin/netpol-conformance.js', import.meta.url));
const allowAllTier = fileURLToPath(new URL('../examples/allow-all-tier.yaml', import.meta.url));

async function gate(reports: string, extra: string[]) {
  const result = await execa('node', [cli, 'gate', '--recipe', '01', '--reports', reports, ...extra], { reject: false, all: true });
  const runs = (await readdir(reports)).filter((d) => d !== 'latest').sort();
  const candidate = runs.find((d) => d.endsWith('c'));
  const comparison = candidate ? (JSON.parse(await readFile(join(reports, candidate, 'compare.json'), 'utf8')) as Comparison) : undefined;
  return { result, comparison };
}

describe('release gate on real netns clusters', function () {
  this.timeout(20 * 60_000);
  let reports: string;

  before(function () {
    if (process.getuid?.() !== 0) this.skip();
  });
  beforeEach(async () => {
    reports = await mkdtemp(join(tmpdir(), 'netpol-gate-'));
  });
  afterEach(async () => {
    await rm(reports, { recursive: true, force: true });
  });

  it('stays green when baseline and candidate are the same Calico', async () => {
    const { result, comparison } = await gate(reports, []);
    expect(result.exitCode, result.all).to.equal(0);
    expect(comparison?.regressed).to.equal(false);
    // Recipe 01's 12 probes over each family of the dual-stack cluster.
    expect(comparison?.counts.matched).to.equal(24);
  });

  it('goes red when a tier ahead of the default one allows what the candidate\'s policies deny', async () => {
    const { result, comparison } = await gate(reports, ['--candidate-calico-resources', allowAllTier]);
    expect(result.exitCode, result.all).to.equal(1);
    expect(comparison?.regressed).to.equal(true);
    const regressed = comparison!.probes.filter((p) => p.changes.includes('regression'));
    // The six "after" probes of recipe 01 (tcp, http, icmp from two clients) now get through,
    // over IPv4 and over IPv6.
    expect(regressed.map((p) => p.key)).to.have.length(12);
    expect(regressed.filter((p) => p.family === 'IPv6')).to.have.length(6);
    expect(regressed.every((p) => p.phase === 'after' && p.candidate.observed === 'allowed')).to.equal(true);
    expect(result.all).to.match(/regress/i);
  });
});
