import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTool } from './tools.ts';

describe('ensureTool', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netpol-tools-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('leaves no empty cache folders behind when the first build fails', async () => {
    const cancelled = new AbortController();
    cancelled.abort(new Error('cancelled before the build'));
    let error: unknown;
    // The build is cancelled as it starts: the failure every kind prerequisite check can meet.
    await ensureTool('kind', { env: { ...process.env, NETPOL_CONFORMANCE_CACHE: join(dir, 'cache'), NETPOL_KIND: '' }, signal: cancelled.signal }).catch((e: unknown) => (error = e));
    expect(error, 'the build failed').to.be.instanceOf(Error);
    expect(await readdir(dir)).to.deep.equal([]);
  });
});
