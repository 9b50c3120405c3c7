import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { checkReportsDir, lockRunId, removeStaleLocks } from './run-checks.ts';

describe('run checks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'netpol-run-checks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('the reports directory', () => {
    it('takes a new directory, an empty one, or one that holds only earlier runs', () => {
      expect(() => checkReportsDir(join(dir, 'new', 'deeper'), 'r1')).to.not.throw();
      mkdirSync(join(dir, 'reports', 'r0'), { recursive: true });
      writeFileSync(join(dir, 'reports', 'r0', 'report.json'), '{}');
      writeFileSync(join(dir, 'reports', '.gitkeep'), '');
      expect(() => checkReportsDir(join(dir, 'reports'), 'r1')).to.not.throw();
    });

    it('refuses a file, a directory with other files, and a run id it already holds', () => {
      writeFileSync(join(dir, 'passwd'), 'root:x:0:0');
      expect(() => checkReportsDir(join(dir, 'passwd'), 'r1')).to.throw(InputError, /passwd: is a file, not a directory/);
      expect(() => checkReportsDir(join(dir, 'passwd', 'below'), 'r1')).to.throw(InputError, /passwd is a file, not a directory/);
      expect(() => checkReportsDir(dir, 'r1')).to.throw(InputError, /holds other files \("passwd"\); give a new or empty directory/);
      expect(() => checkReportsDir('/etc', 'r1')).to.throw(InputError, /--reports \/etc holds other files/);
      mkdirSync(join(dir, 'runs', 'r1'), { recursive: true });
      writeFileSync(join(dir, 'runs', 'r1', 'harness.log'), '');
      expect(() => checkReportsDir(join(dir, 'runs'), 'r1')).to.throw(InputError, /already holds a run r1; give another --run-id/);
      expect(readdirSync(join(dir, 'runs'))).to.deep.equal(['r1']);
    });
  });

  describe('the run id lock', () => {
    it('refuses a run id another live run holds, and frees it when released', () => {
      const locks = join(dir, 'locks');
      const held = lockRunId('r1', locks);
      expect(() => lockRunId('r1', locks)).to.throw(InputError, `run id r1 is in use by a run still going on this machine (pid ${process.pid})`);
      const other = lockRunId('r2', locks);
      held[Symbol.dispose]();
      other[Symbol.dispose]();
      expect(readdirSync(locks)).to.deep.equal([]);
      lockRunId('r1', locks)[Symbol.dispose]();
    });

    it('takes over the lock of a run that died without releasing it', () => {
      const locks = join(dir, 'locks');
      mkdirSync(locks);
      // A process that has exited: its pid and start time no longer match a live process.
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(join(locks, 'r1'), `${dead.stdout} 12345`);
      const lock = lockRunId('r1', locks);
      lock[Symbol.dispose]();
      expect(readdirSync(locks)).to.deep.equal([]);
    });

    it('clean removes only the locks of runs that are gone', () => {
      const locks = join(dir, 'locks');
      mkdirSync(locks);
      const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(join(locks, 'r1'), `${dead.stdout} 12345`);
      writeFileSync(join(locks, 'r2'), `${dead.stdout} 12345`);
      using live = lockRunId('r3', locks);
      expect(removeStaleLocks('r1', locks)).to.deep.equal(['r1']);
      expect(removeStaleLocks(undefined, locks)).to.deep.equal(['r2']);
      expect(readdirSync(locks)).to.deep.equal(['r3']);
      expect(live).to.not.equal(undefined);
    });
  });
});
