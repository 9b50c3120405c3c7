// The probe programs against real sockets and a real firewall: a throwaway network namespace
// with a listener, a closed port, and iptables DROP rules, so `allowed`, `refused` and
// `blocked` are each seen for real.
import { expect } from 'chai';
import { execa } from 'execa';
import type { ExecResult } from '../lib/cluster/provider.ts';
import { classifyProbe, probeCommand } from '../lib/probe/command.ts';
import type { ProbeProtocol } from '../lib/model/types.ts';

const ns = `ncprobe${process.pid}`;
const isRoot = process.getuid?.() === 0;

async function inNs(argv: string[]): Promise<ExecResult> {
  const started = Date.now();
  const r = await execa('ip', ['netns', 'exec', ns, ...argv], { reject: false, timeout: 20_000 });
  return {
    exitCode: r.exitCode ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: Date.now() - started,
    timedOut: r.timedOut,
  };
}

async function probe(protocol: ProbeProtocol, ip: string, port?: number) {
  return classifyProbe(protocol, await inNs(probeCommand(protocol, ip, port, { connectSeconds: 1 })));
}

describe('probe programs against real sockets and iptables', function () {
  this.timeout(60_000);
  let server: ReturnType<typeof execa> | undefined;

  before(async function () {
    if (!isRoot) this.skip();
    await execa('ip', ['netns', 'add', ns]);
    await inNs(['ip', 'link', 'set', 'lo', 'up']);
    await inNs(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '--dport', '9090', '-j', 'DROP']);
    await inNs(['iptables-nft', '-A', 'INPUT', '-d', '127.0.0.2', '-p', 'icmp', '-j', 'DROP']);
    server = execa('ip', ['netns', 'exec', ns, 'python3', '-m', 'http.server', '8080', '--bind', '127.0.0.1'], {
      reject: false,
      cwd: '/tmp',
    });
    for (let i = 0; i < 50; i++) {
      if ((await inNs(['nc', '-z', '127.0.0.1', '8080'])).exitCode === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('socat listener in the probe namespace never came up');
  });

  after(async () => {
    server?.kill('SIGKILL');
    await execa('ip', ['netns', 'del', ns], { reject: false });
  });

  it('tcp to a listening port is allowed', async () => {
    expect(await probe('tcp', '127.0.0.1', 8080)).to.deep.equal({ observed: 'allowed', detail: 'connected' });
  });
  it('tcp to a closed port is allowed (refused got through policy)', async () => {
    expect(await probe('tcp', '127.0.0.1', 7070)).to.deep.equal({ observed: 'allowed', detail: 'connection refused' });
  });
  it('tcp to a dropped port is blocked', async () => {
    expect(await probe('tcp', '127.0.0.1', 9090)).to.deep.equal({ observed: 'blocked', detail: 'timed out' });
  });
  it('http to the server records the status', async () => {
    expect(await probe('http', '127.0.0.1', 8080)).to.deep.equal({ observed: 'allowed', detail: 'http 200' });
  });
  it('http to a dropped port is blocked', async () => {
    expect((await probe('http', '127.0.0.1', 9090)).observed).to.equal('blocked');
  });
  it('icmp echo is allowed, and blocked where dropped', async () => {
    expect((await probe('icmp', '127.0.0.1')).observed).to.equal('allowed');
    expect((await probe('icmp', '127.0.0.2')).observed).to.equal('blocked');
  });
  it('an unreachable network is check-failed, never blocked', async () => {
    // No route at all: the namespace has only loopback. 198.51.100.1 is never contacted.
    expect((await probe('tcp', '198.51.100.1', 80)).observed).to.equal('check-failed');
    expect((await probe('icmp', '198.51.100.1')).observed).to.equal('check-failed');
  });
});
