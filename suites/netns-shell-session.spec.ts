// The netns provider's node session: a long-lived shell in a real network namespace that the
// counter reader sends its commands to.
import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ShellSession } from '../lib/cluster/netns/shell-session.ts';
import { CancelledError } from '../lib/errors.ts';

const ns = `ncshell${process.pid}`;

describe('netns shell session (real namespace)', function () {
  this.timeout(30_000);
  let session: ShellSession;

  before(async function () {
    if (process.getuid?.() !== 0) this.skip();
    await execa('ip', ['netns', 'add', ns]);
    session = new ShellSession(ns, 'ncshelltest');
  });

  after(async () => {
    await session?.close();
    await execa('ip', ['netns', 'del', ns], { reject: false });
  });

  it('runs commands in the namespace, one after another, with their output and status', async () => {
    const links = await session.run(['ip', '-o', 'link', 'show'], { timeoutMs: 5000 });
    expect(links.exitCode).to.equal(0);
    expect(links.stdout.trim().split('\n')).to.have.length(1); // only lo: this is the namespace
    const results = await Promise.all([
      session.run(['sh', '-c', 'echo "$1"; echo oops >&2; exit 3', 'sh', "it's quoted"], { timeoutMs: 5000 }),
      session.run(['printf', '%s', 'second'], { timeoutMs: 5000 }),
    ]);
    expect(results.map((r) => [r.exitCode, r.stdout, r.stderr])).to.deep.equal([
      [3, "it's quoted\n", 'oops\n'],
      [0, 'second', ''],
    ]);
  });

  it('gives up on a command that does not end, and the next command gets a new shell', async () => {
    const slow = await session.run(['sleep', '5'], { timeoutMs: 200 });
    expect(slow).to.deep.include({ timedOut: true, exitCode: -1 });
    expect((await session.run(['echo', 'again'], { timeoutMs: 5000 })).stdout).to.equal('again\n');
  });

  it('stops a command when its signal fires', async () => {
    const stop = new AbortController();
    const running = session.run(['sleep', '5'], { timeoutMs: 10_000, signal: stop.signal });
    setTimeout(() => stop.abort(), 100);
    expect(await running.then(() => undefined, (e: unknown) => e)).to.be.instanceOf(CancelledError);
    expect((await session.run(['true'], { timeoutMs: 5000 })).exitCode).to.equal(0);
  });

  it('leaves no file behind in the temp dir, even for shells it killed', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'netpol-shell-tmp-'));
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = tmp;
    try {
      const own = new ShellSession(ns, 'ncshelltest');
      const stop = new AbortController();
      const running = own.run(['sleep', '5'], { timeoutMs: 10_000, signal: stop.signal });
      setTimeout(() => stop.abort(), 100);
      await running.catch(() => undefined);
      expect((await own.run(['sh', '-c', 'echo err >&2'], { timeoutMs: 5000 })).stderr).to.equal('err\n');
      await own.close();
      expect(await readdir(tmp)).to.deep.equal([]);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
