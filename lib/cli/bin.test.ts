import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** The real bin on this Node, told (before it starts) that it runs on Node `version`. */
function binOn(version: string): { status: number | null; stdout: string; stderr: string } {
  const pretend = `data:text/javascript,Object.defineProperty(process,"versions",{value:{...process.versions,node:${JSON.stringify(version)}}})`;
  const run = spawnSync(process.execPath, ['--import', pretend, 'bin/netpol-conformance.js', 'recipes', '--json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('bin/netpol-conformance.js and the Node it runs on', function () {
  // Each case starts the CLI through tsx: seconds on a busy machine.
  this.timeout(120_000);

  it('refuses a Node older than package.json engines, in one line with the fix, exit 3, before doing anything', () => {
    for (const version of ['20.20.2', '22.21.1']) {
      const run = binOn(version);
      expect(run.status, run.stderr).to.equal(3);
      expect(run.stdout).to.equal('');
      expect(run.stderr.trim().split('\n')).to.have.length(1);
      expect(run.stderr).to.contain(`Node ${version} is too old; it needs Node ^22.22.0 || >=24`).and.contain('bash .ci/setup');
    }
  });

  it('runs on the oldest Node 22 it accepts and on Node 24', () => {
    for (const version of ['22.22.0', '24.0.0']) {
      const run = binOn(version);
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.have.property('recipes');
    }
  });
});
