// The GitHub workflows, linted by actionlint built from its pinned Go module, and their actions
// pinned by commit SHA.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTool } from '../lib/cluster/kind/tools.ts';
import { repoRoot } from '../lib/upstream/versions.ts';

const workflowsDir = join(repoRoot, '.github', 'workflows');

describe('GitHub workflows', function () {
  this.timeout(900_000);
  let actionlint: string;
  before(async () => {
    actionlint = await ensureTool('actionlint');
  });

  it('are clean under actionlint', async () => {
    const files = (await readdir(workflowsDir)).filter((f) => /\.ya?ml$/.test(f)).map((f) => join(workflowsDir, f));
    expect(files.map((f) => f.slice(workflowsDir.length + 1))).to.include.members(['ci.yml', 'nightly.yml', 'release-gate.yml']);
    const result = await execa(actionlint, ['-color=false', ...files], { cwd: repoRoot, reject: false });
    expect(result.stdout + result.stderr, 'actionlint findings').to.equal('');
    expect(result.exitCode).to.equal(0);
  });

  it('actionlint does report a broken workflow (the check can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nc-actionlint-'));
    try {
      await mkdir(join(dir, '.github', 'workflows'), { recursive: true });
      const file = join(dir, '.github', 'workflows', 'broken.yml');
      await writeFile(file, 'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n');
      const result = await execa(actionlint, ['-color=false', file], { cwd: dir, reject: false });
      expect(result.exitCode).to.equal(1);
      expect(result.stdout).to.contain('matrix');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('pin every action by a full commit SHA', async () => {
    for (const file of await readdir(workflowsDir)) {
      const text = await readFile(join(workflowsDir, file), 'utf8');
      for (const [, ref] of text.matchAll(/uses:\s*(\S+)/g)) {
        expect(ref, `${file}: ${ref}`).to.match(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      }
    }
  });
});
