// Two runs at the same time on one machine, on real netns clusters: with their own run ids both
// work (own namespaces, ports and reports); a second run with a run id already in use is refused
// at once, before it creates anything, and the first one is not disturbed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { netnsOf, processesOf } from './support/run-resources.ts';

const cli = fileURLToPath(new URL('../bin/netpol-conformance.js', import.meta.url));

function run(runId: string, reports: string) {
  return execa(process.execPath, [cli, 'run', '--recipe', '01', '--run-id', runId, '--reports', reports], { reject: false, all: true });
}

describe('two runs at the same time on one machine', function () {
  this.timeout(10 * 60_000);
  let dir: string;
  const suffix = Date.now().toString(36).slice(-4);
  const [first, second] = [`ca${suffix}`, `cb${suffix}`];

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    dir = await mkdtemp(join(tmpdir(), 'netpol-concurrent-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('both pass with their own run ids; a third with a run id in use is refused at once', async () => {
    const a = run(first, join(dir, 'a'));
    const b = run(second, join(dir, 'b'));
    // Once the first run has its namespaces, a run with the same id must not touch them.
    for (let i = 0; i < 1200 && (await netnsOf(first)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await netnsOf(first), 'the first run is up').to.not.deep.equal([]);
    const duplicate = await run(first, join(dir, 'c'));
    expect(duplicate.exitCode, duplicate.all).to.equal(2);
    expect(duplicate.all).to.match(new RegExp(`^netpol-conformance run: run id ${first} is in use by a run still going on this machine \\(pid \\d+\\); give another --run-id`));
    expect(duplicate.all!.trim().split('\n')).to.have.length(1);
    const [resultA, resultB] = await Promise.all([a, b]);
    expect(resultA.exitCode, resultA.all).to.equal(0);
    expect(resultB.exitCode, resultB.all).to.equal(0);
    for (const [id, reports] of [[first, 'a'], [second, 'b']] as const) {
      const report = JSON.parse(await readFile(join(dir, reports, id, 'report.json'), 'utf8')) as { summary: { failed: number; probes: number } };
      expect(report.summary.failed, id).to.equal(0);
      expect(report.summary.probes, id).to.be.greaterThan(0);
      expect(await netnsOf(id), `${id} namespaces`).to.deep.equal([]);
      expect(await processesOf(id), `${id} processes`).to.deep.equal([]);
    }
  });
});
