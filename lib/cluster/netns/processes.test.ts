import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logTail } from './processes.ts';

describe('logTail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netpol-logtail-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the last lines of a log on one line, each cut to 200 characters', () => {
    const file = join(dir, 'felix.log');
    writeFileSync(file, ['first', 'x'.repeat(10_000), 'panic: lost the datastore', '', 'goroutine 1 [running]:', ''].join('\n'));
    expect(logTail(file)).to.equal(`${'x'.repeat(200)}… | panic: lost the datastore | goroutine 1 [running]:`);
    expect(logTail(join(dir, 'missing.log'))).to.equal('');
  });
});
