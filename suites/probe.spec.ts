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

const timeouts = { connectSeconds: 1 };

async function probe(protocol: ProbeProtocol, ip: string, port?: number) {
  return classifyProbe(protocol, await inNs(probeCommand(protocol, ip, port, timeouts)), timeouts);
}

describe('probe programs against real sockets and iptables', function () {
  this.timeout(60_000);
  let server: ReturnType<typeof execa> | undefined;
  let udpEcho: ReturnType<typeof execa> | undefined;

  before(async function () {
    if (!isRoot) this.skip();
    await execa('ip', ['netns', 'add', ns]);
    await inNs(['ip', 'link', 'set', 'lo', 'up']);
    await inNs(['iptables-nft', '-A', 'INPUT', '-p', 'tcp', '--dport', '9090', '-j', 'DROP']);
    await inNs(['iptables-nft', '-A', 'INPUT', '-d', '127.0.0.2', '-p', 'icmp', '-j', 'DROP']);
    await inNs(['iptables-nft', '-A', 'INPUT', '-p', 'udp', '--dport', '5454', '-j', 'DROP']);
    udpEcho = execa('ip', ['netns', 'exec', ns, 'socat', 'UDP4-RECVFROM:5353,reuseaddr,fork', 'PIPE'], { reject: false });
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
    udpEcho?.kill('SIGKILL');
    await execa('ip', ['netns', 'del', ns], { reject: false });
  });

  it('tcp to a listening port is allowed', async () => {
    expect(await probe('tcp', '127.0.0.1', 8080)).to.deep.equal({ observed: 'allowed', detail: 'connected', evidence: 'answer' });
  });
  it('tcp to a closed port is allowed (refused got through policy)', async () => {
    expect(await probe('tcp', '127.0.0.1', 7070)).to.deep.equal({ observed: 'allowed', detail: 'connection refused', evidence: 'answer' });
  });
  it('tcp to a dropped port is blocked', async () => {
    expect(await probe('tcp', '127.0.0.1', 9090)).to.deep.equal({ observed: 'blocked', detail: 'timed out', evidence: 'timeout' });
  });
  it('http to the server records the status', async () => {
    expect(await probe('http', '127.0.0.1', 8080)).to.deep.equal({ observed: 'allowed', detail: 'http 200', evidence: 'answer' });
  });
  it('http to a dropped port is blocked', async () => {
    expect((await probe('http', '127.0.0.1', 9090)).observed).to.equal('blocked');
  });
  it('icmp echo is allowed, and blocked where dropped', async () => {
    expect((await probe('icmp', '127.0.0.1')).observed).to.equal('allowed');
    expect((await probe('icmp', '127.0.0.2')).observed).to.equal('blocked');
  });
  it('udp: an echo ends the probe at once; a closed port answers; a dropped datagram times out', async () => {
    const echoed = await inNs(probeCommand('udp', '127.0.0.1', 5353, timeouts));
    expect(classifyProbe('udp', echoed, timeouts)).to.deep.equal({ observed: 'allowed', detail: 'echoed', evidence: 'answer' });
    // Well under the 1 s timeout: nc ends at the first datagram back.
    expect(echoed.durationMs).to.be.lessThan(900);
    expect(await probe('udp', '127.0.0.1', 5355)).to.deep.equal({ observed: 'allowed', detail: 'port unreachable', evidence: 'answer' });
    expect(await probe('udp', '127.0.0.1', 5454)).to.deep.equal({ observed: 'blocked', detail: 'no echo', evidence: 'timeout' });
  });
  it('an unreachable network is check-failed, never blocked', async () => {
    // No route at all: the namespace has only loopback. 198.51.100.1 is never contacted.
    expect((await probe('tcp', '198.51.100.1', 80)).observed).to.equal('check-failed');
    expect((await probe('icmp', '198.51.100.1')).observed).to.equal('check-failed');
  });
});
