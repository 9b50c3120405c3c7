// The GitHub workflows, linted by actionlint built from its pinned Go module, and their actions
// pinned by commit SHA.
import { expect } from 'chai';
import { execa } from 'execa';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
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

describe('GitHub workflows upload', () => {
  it('upload report files and logs only, never a key or a kubeconfig from a run directory', async () => {
    // What a run directory can hold: the reports, logs, and (a kept cluster's) working files.
    const runFiles = [
      'r1/report.json', 'r1/junit.xml', 'r1/report.html', 'r1/summary.md', 'r1/harness.log', 'r1c/compare.json',
      'r1/cluster/nc123456/logs/felix-0.log', 'r1/cluster/nc123456/pki/ca.key', 'r1/cluster/nc123456/pki/client.key',
      'r1/cluster/nc123456/kubeconfig', 'r1/cluster/kind/kubeconfig', 'r1/cluster/nc123456/etcd/member/wal/0.wal',
    ];
    const secret = /\.key$|kubeconfig|\.wal$/;
    let uploads = 0;
    for (const file of await readdir(workflowsDir)) {
      const workflow = parse(await readFile(join(workflowsDir, file), 'utf8')) as { jobs: Record<string, { steps: { uses?: string; with?: { path?: string } }[] }> };
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'))) {
          uploads++;
          const patterns = (step.with?.path ?? '').split('\n').map((p) => p.trim()).filter(Boolean);
          const uploaded = new Set<string>();
          for (const pattern of patterns) {
            const inReports = /^(?:\$\{\{ env\.REPORTS \}\}|reports)\/(.+)$/.exec(pattern);
            expect(inReports, `${file}: ${pattern} is inside the reports directory`).to.not.equal(null);
            const matcher = globRegExp(inReports![1]!);
            for (const f of runFiles.filter((f) => matcher.test(f))) uploaded.add(f);
          }
          expect([...uploaded].filter((f) => secret.test(f)), `${file}: secrets uploaded`).to.deep.equal([]);
          expect([...uploaded], `${file}: what is uploaded`).to.include.members(runFiles.filter((f) => !f.includes('/cluster/')).concat('r1/cluster/nc123456/logs/felix-0.log'));
        }
      }
    }
    expect(uploads, 'upload steps found').to.be.at.least(3);
  });
});

/** actions/upload-artifact's glob (`*` within a name, `**` across directories) as a RegExp. */
function globRegExp(glob: string): RegExp {
  const parts = glob.split('/');
  const source = parts
    .map((part, i) => (part === '**' ? '(?:[^/]+/)*' : part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*') + (i < parts.length - 1 ? '/' : '')))
    .join('');
  return new RegExp(`^${source}$`);
}
