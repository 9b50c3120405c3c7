import { expect } from 'chai';
import { mkdir, mkdtemp, readFile, readlink, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from './sample-report.ts';
import { validateReport } from './validate.ts';
import { writeAtomically, writeReports } from './write.ts';

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

  it('replaces a file whole or not at all, leaving no temp file when the write fails', async () => {
    const file = join(root, 'report.json');
    await writeFile(file, 'old');
    await writeAtomically(file, 'new');
    expect(await readFile(file, 'utf8')).to.equal('new');
    // A target that cannot be replaced (a non-empty directory) fails the rename: nothing changes.
    const blocked = join(root, 'blocked');
    await mkdir(join(blocked, 'inside'), { recursive: true });
    let error: unknown;
    await writeAtomically(blocked, 'text').catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
    expect((await readdir(root)).sort()).to.deep.equal(['blocked', 'report.json']);
  });

  it('writes report.json last, so its presence means the run directory is complete', async () => {
    const report = sampleReport();
    // report.json cannot be replaced: the other files are written, report.json never appears.
    await mkdir(join(root, report.run.id, 'report.json', 'x'), { recursive: true });
    let error: unknown;
    await writeReports(report, root).catch((e: unknown) => (error = e));
    expect(error).to.be.instanceOf(Error);
    expect((await readdir(join(root, report.run.id))).sort()).to.deep.equal(['junit.xml', 'report.html', 'report.json', 'summary.md']);
    expect((await readdir(root)).sort(), 'latest not moved to an incomplete run').to.deep.equal([report.run.id]);
  });
});
