// Runs the real CLI (`node bin/netpol-conformance.js compare ...`) on constructed reports and
// checks the release gate's exit codes and the files it writes next to the candidate.
import { expect } from 'chai';
import { runCli, type CliRun } from '../testing/cli.ts';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { changedCandidate } from '../report/compare-sample.ts';
import { sampleReport } from '../report/sample-report.ts';


function cli(...args: string[]): Promise<CliRun> {
  return runCli(['compare', ...args]);
}

describe('netpol-conformance compare (CLI)', function () {
  this.timeout(120_000);
  let dir: string;
  let baseline: string;

  async function report(name: string, value: unknown): Promise<string> {
    const folder = join(dir, name);
    await mkdir(folder, { recursive: true });
    const file = join(folder, 'report.json');
    await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'compare-cli-'));
    baseline = await report('baseline', sampleReport());
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 when nothing regressed, and writes compare.json, compare.md and compare.html next to the candidate', async () => {
    const candidate = await report('same', sampleReport());
    const run = await cli(baseline, candidate);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.contain('NO REGRESSION: 5 probes matched, 0 regressions');
    expect((await readdir(join(dir, 'same'))).sort()).to.deep.equal(['compare.html', 'compare.json', 'compare.md', 'report.json']);
    const json = JSON.parse(await readFile(join(dir, 'same', 'compare.json'), 'utf8')) as { schemaVersion: number; regressed: boolean };
    expect(json).to.include({ schemaVersion: 2, regressed: false });
    expect(await readFile(join(dir, 'same', 'compare.md'), 'utf8')).to.match(/^## ✅ Calico release gate/);
  });

  it('exits 1 on a regression, prints the table, and --json prints the comparison', async () => {
    const candidate = await report('changed', changedCandidate());
    const [table, json] = await Promise.all([cli(baseline, candidate), cli(baseline, candidate, '--json', '--slowdown-ratio', '3')]);
    expect(table.status, table.stderr).to.equal(1);
    expect(table.stdout).to.match(/^regression\+observed\+decided-by-kind\s+02\s+after x\/a -> x\/b tcp\/80/m);
    expect(table.stdout).to.contain(`wrote ${join(dir, 'changed', 'compare.json')}`);
    expect(json.status, json.stderr).to.equal(1);
    const comparison = JSON.parse(json.stdout) as { regressed: boolean; counts: { regressions: number; slowdowns: number } };
    expect(comparison.regressed).to.equal(true);
    expect(comparison.counts).to.include({ regressions: 1, slowdowns: 0 });
    expect(await readFile(join(dir, 'changed', 'compare.html'), 'utf8')).to.contain('data-change="regression"');
  });

  it('exits 2 on bad input: unreadable file, not JSON, schemaVersion mismatch, different recipe sets', async () => {
    const fewer = sampleReport();
    fewer.recipes = fewer.recipes.slice(0, 1);
    const [missing, notJson, wrongVersion, partial, allowed, badRatio] = await Promise.all([
      cli(baseline, join(dir, 'nowhere', 'report.json')),
      cli(baseline, await report('garbage', '{not json')),
      cli(baseline, await report('v3', { ...sampleReport(), schemaVersion: 3 })),
      cli(baseline, await report('fewer', fewer)),
      cli(baseline, join(dir, 'fewer', 'report.json'), '--allow-partial'),
      cli(baseline, baseline, '--slowdown-ratio', 'fast'),
    ]);
    expect(missing.status).to.equal(2);
    expect(missing.stderr).to.match(/nowhere\/report\.json: cannot read the report\.json \(ENOENT\)/);
    expect(notJson.status).to.equal(2);
    expect(notJson.stderr).to.contain('garbage/report.json is not JSON');
    expect(wrongVersion.status).to.equal(2);
    expect(wrongVersion.stderr).to.contain('v3/report.json: schemaVersion 3 is not supported; this harness reads schemaVersion 1 and 2');
    expect(partial.status).to.equal(2);
    expect(partial.stderr).to.contain('only in baseline: 02');
    expect(allowed.status, allowed.stderr).to.equal(0);
    expect(badRatio.status).to.equal(2);
    expect(badRatio.stderr).to.contain('--slowdown-ratio must be a number from 1 to 1000, got "fast"');
  });

  it('exits 2 without two reports', async () => {
    const run = await cli(baseline);
    expect(run.status).to.equal(2);
    expect(run.stderr).to.equal('netpol-conformance compare: expected two report.json files (baseline, candidate), got 1 argument; see `netpol-conformance compare --help`\n');
  });
});
