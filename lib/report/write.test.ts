import { expect } from 'chai';
import { mkdtemp, readFile, readlink, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from './sample-report.ts';
import { validateReport } from './validate.ts';
import { writeReports } from './write.ts';

describe('writeReports', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'netpol-reports-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writes the four files into reports/<run-id>/ and points latest at the newest run', async () => {
    const first = sampleReport();
    const written = await writeReports(first, root);
    expect(written.dir).to.equal(join(root, first.run.id));
    expect((await readdir(written.dir)).sort()).to.deep.equal(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    expect(written.files).to.have.length(4);
    const json = JSON.parse(await readFile(join(written.dir, 'report.json'), 'utf8')) as unknown;
    expect(validateReport(json, 'report.json')).to.deep.equal(first);
    expect(await readlink(join(root, 'latest'))).to.equal(first.run.id);

    const second = sampleReport();
    second.run.id = 'second-run';
    await writeReports(second, root);
    expect(await readlink(join(root, 'latest'))).to.equal('second-run');
    expect(await readFile(join(root, 'latest', 'summary.md'), 'utf8')).to.contain('NetworkPolicy conformance');
    // No temporary links left behind by the atomic replace.
    expect((await readdir(root)).sort()).to.deep.equal([first.run.id, 'latest', 'second-run']);
  });

  it('refuses a run id that would escape the reports folder', async () => {
    const report = sampleReport();
    report.run.id = '../elsewhere';
    let error: unknown;
    await writeReports(report, root).catch((e: unknown) => (error = e));
    expect(String(error)).to.contain('not usable as a directory name');
  });
});
