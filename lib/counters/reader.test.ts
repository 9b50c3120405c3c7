import { expect } from 'chai';
import { CancelledError, InfrastructureError } from '../errors.ts';
import type { Clock } from '../lifecycle/index.ts';
import { NodeCounterReader, type CounterExec } from './reader.ts';
import { captureText } from './testdata/captures.ts';

const table = captureText('felix-v3.31.0-iptables-nft-deny-all-ingress.after.txt');
const chains = captureText('felix-v3.31.0-iptables-nft-deny-all-ingress.chains.txt');

/** An exec that records what ran and answers when the test says so. */
function scriptedExec() {
  const calls: { argv: string[]; answer(result?: { exitCode?: number; stdout?: string; stderr?: string }): void }[] = [];
  const exec: CounterExec = (argv) =>
    new Promise((resolve) => {
      calls.push({
        argv,
        answer: (r = {}) => resolve({ exitCode: r.exitCode ?? 0, stdout: r.stdout ?? (argv[0] === 'sh' ? chains : table), stderr: r.stderr ?? '' }),
      });
    });
  return { exec, calls };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function reader(exec: CounterExec, signal = new AbortController().signal) {
  return new NodeCounterReader({ node: 'node-1', backend: 'iptables-nft', exec, signal, watchIntervalMs: 1, clock: instantClock() });
}

/** Real time for the reader's own pauses would slow the test; retries and ticks take none here. */
function instantClock(): Clock {
  let now = 0;
  return { now: () => now, sleep: async (ms) => void (now += ms) };
}

describe('NodeCounterReader', () => {
  it('serves concurrent requests from one read, and a request made during a read from the next one', async () => {
    const { exec, calls } = scriptedExec();
    const r = reader(exec);
    const a = r.read();
    const b = r.read();
    await tick();
    expect(calls).to.have.length(1);
    const c = r.read(); // made while the first read runs: must not get its (older) counters
    calls[0]!.answer();
    const [sa, sb] = await Promise.all([a, b]);
    expect(sa).to.equal(sb);
    await tick();
    expect(calls).to.have.length(2);
    calls[1]!.answer();
    expect(await c).to.not.equal(sa);
    expect(r.stats.tableReads).to.equal(2);
  });

  it('reads only the watched chains at each tick, and the whole table when many chains are watched', async () => {
    const { exec, calls } = scriptedExec();
    const r = reader(exec);
    const stop = new AbortController();
    const seen: number[] = [];
    r.watch(['cali-tw-calic510660259c'], (s) => seen.push(s.rules.length), stop.signal);
    await tick();
    expect(calls[0]!.argv.slice(0, 2)).to.deep.equal(['sh', '-c']);
    expect(calls[0]!.argv.slice(4)).to.deep.equal(['cali-tw-calic510660259c']);
    calls[0]!.answer();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.length).to.be.greaterThan(1);
    const many = new AbortController();
    r.watch(['cali-fw-a', 'cali-tw-b', 'cali-pi-c'], () => {}, many.signal);
    calls.at(-1)!.answer();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.at(-1)!.argv[0]).to.equal('iptables-nft-save');
    stop.abort();
    many.abort();
    calls.at(-1)!.answer();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const settled = calls.length;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(calls.length, 'no reads once nobody watches').to.equal(settled);
    expect(seen.length).to.be.greaterThan(0);
    expect(seen[0]).to.equal(22 - 3); // the listed rules, without the three -N lines
  });

  it('retries a dump that failed while felix rewrote the ruleset, and reports one that keeps failing', async () => {
    let failures = 2;
    const flaky: CounterExec = async (argv) =>
      failures-- > 0 ? { exitCode: 1, stdout: '', stderr: "Set with index 3 in kernel doesn't exist" } : { exitCode: 0, stdout: argv[0] ? table : '', stderr: '' };
    const snapshot = await reader(flaky).read();
    expect(snapshot.rules.length).to.be.greaterThan(50);
    const broken: CounterExec = async () => ({ exitCode: 4, stdout: '', stderr: 'permission denied' });
    const error = await reader(broken)
      .read()
      .then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(InfrastructureError);
    expect((error as Error).message).to.match(/iptables-nft-save -c -t filter` exited 4: permission denied/);
  });

  it('fails waiting requests when the run is cancelled', async () => {
    const { exec, calls } = scriptedExec();
    const run = new AbortController();
    const r = reader(exec, run.signal);
    const a = r.read().then(() => undefined, (e: unknown) => e);
    await tick();
    const b = r.read().then(() => undefined, (e: unknown) => e);
    run.abort();
    calls[0]!.answer();
    expect(await a).to.equal(undefined);
    expect(await b).to.be.instanceOf(CancelledError);
  });
});
