// Keys stay out of the reports: during and after a real netns run, the run's report directory
// (which CI uploads) holds no private key, certificate key or kubeconfig; they live in the run's
// private state directory (mode 0700), which is gone once the run is.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { leftoversOf, netnsOf, stateDirOf } from './support/run-resources.ts';

const cli = fileURLToPath(new URL('../bin/netpol-conformance.js', import.meta.url));

/** Every file under dir that holds key material or a kubeconfig, by name or by content. */
async function secretsIn(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const text = await readFile(path, 'latin1').catch(() => '');
    if (/\.key$|kubeconfig/.test(entry.name) || /PRIVATE KEY|client-key-data/.test(text)) found.push(path);
  }
  return found;
}

describe('keys and kubeconfigs never go into a report directory', function () {
  this.timeout(10 * 60_000);
  let reports: string;
  const runId = `sec${Date.now().toString(36).slice(-4)}`;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    reports = await mkdtemp(join(tmpdir(), 'netpol-secrets-'));
  });
  after(async () => {
    if (reports) await rm(reports, { recursive: true, force: true });
  });

  it('holds them in the private state directory while the run is up, and nowhere once it is over', async () => {
    const child = execa(process.execPath, [cli, 'run', '--recipe', '01', '--run-id', runId, '--reports', reports], { reject: false, all: true });
    // Up: the fixture pods exist, so the cluster's keys and kubeconfigs do too.
    for (let i = 0; i < 1200 && !(await netnsOf(runId)).some((n) => /-p-\d+$/.test(n)); i++) await new Promise((r) => setTimeout(r, 100));
    const state = stateDirOf(runId);
    expect(state, 'the run has a state directory while it is up').to.be.a('string');
    expect((await stat(state!)).mode & 0o777).to.equal(0o700);
    expect((await secretsIn(state!)).length, 'keys and kubeconfigs are in the state directory').to.be.at.least(3);
    expect(await secretsIn(reports), 'the report directory while the run is up').to.deep.equal([]);

    const result = await child;
    expect(result.exitCode, result.all).to.equal(0);
    expect(await secretsIn(reports), 'the report directory once the run is over').to.deep.equal([]);
    expect(await leftoversOf(runId)).to.deep.equal({ namespaces: [], processes: [], stateDir: undefined });
  });
});
