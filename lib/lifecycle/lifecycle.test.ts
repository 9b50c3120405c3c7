import { expect } from 'chai';
import { CancelledError, InfrastructureError, PrerequisiteError } from '../errors.ts';
import { TeardownStack, createRootSignal, poll, throwIfCancelled } from './index.ts';
import type { Clock } from './index.ts';

describe('TeardownStack', () => {
  it('undoes steps in reverse order and keeps going past a failing undo', async () => {
    const seen: string[] = [];
    const stack = new TeardownStack();
    stack.defer('a', () => void seen.push('a'));
    stack.defer('b', () => {
      throw new Error('boom');
    });
    stack.defer('c', async () => void seen.push('c'));
    const errors = await stack.unwind();
    expect(seen).to.deep.equal(['c', 'a']);
    expect(errors).to.deep.equal(['teardown "b" failed: boom']);
    expect(stack.size).to.equal(0);
  });
});

describe('createRootSignal', () => {
  it('aborts with a CancelledError when the deadline passes', async () => {
    using root = createRootSignal({ deadlineMs: 20 });
    await new Promise((r) => setTimeout(r, 60));
    expect(root.signal.aborted).to.equal(true);
    expect(root.reason()).to.match(/deadline/);
    expect(() => throwIfCancelled(root.signal)).to.throw(CancelledError);
  });

  it('aborts on SIGINT without killing the process', async () => {
    using root = createRootSignal();
    process.emit('SIGINT');
    expect(root.signal.aborted).to.equal(true);
    expect(root.reason()).to.match(/SIGINT/);
  });

  it('follows a parent signal', () => {
    const parent = new AbortController();
    using root = createRootSignal({ parent: parent.signal });
    parent.abort(new CancelledError('the caller stopped'));
    expect(root.reason()).to.equal('the caller stopped');
  });
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

function expectError(error: Error, type: new (...args: never[]) => Error, message: RegExp): void {
  expect(error).to.be.instanceOf(type);
  expect(error.message).to.match(message);
}

/** A clock whose sleeps take no time: each advances it by the time asked for. */
function fakeClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += ms;
    },
  };
}

describe('poll', () => {
  it('returns the first defined value, pausing the interval between attempts', async () => {
    const clock = fakeClock();
    let calls = 0;
    const value = await poll('three calls', { timeoutMs: 10_000, intervalMs: 100, clock }, async () => (++calls === 3 ? 'done' : undefined));
    expect(value).to.equal('done');
    expect(clock.slept).to.deep.equal([100, 100]);
  });

  it('times out with what it waited for and what it saw last', async () => {
    const clock = fakeClock();
    const wait = poll('felix', { timeoutMs: 1000, intervalMs: 300, clock, describeLast: () => 'no chains yet' }, async () => undefined);
    expectError(await rejection(wait), InfrastructureError, /^timed out after 1 s waiting for felix; no chains yet$/);
    // The last pause is cut to the deadline, not past it.
    expect(clock.slept).to.deep.equal([300, 300, 300, 100]);
  });

  it('ends at once on an error it was not told to retry', async () => {
    let calls = 0;
    const wait = poll('x', { timeoutMs: 1000, clock: fakeClock() }, async () => {
      calls++;
      throw new Error('broken');
    });
    expect((await rejection(wait)).message).to.match(/broken/);
    expect(calls).to.equal(1);
  });

  it('retries the errors it was told to, and names the last one on timeout', async () => {
    let calls = 0;
    const wait = poll('a dump', { timeoutMs: 500, intervalMs: 100, clock: fakeClock(), retryIf: () => true }, async () => {
      calls++;
      throw new InfrastructureError(`dump failed ${calls}`);
    });
    expectError(await rejection(wait), InfrastructureError, /waiting for a dump; last error: dump failed 6$/);
  });

  it('never retries errors that cannot heal', async () => {
    const wait = poll('an image', { timeoutMs: 500, clock: fakeClock(), retryIf: () => true }, async () => {
      throw new PrerequisiteError('image cannot be pulled');
    });
    expect(await rejection(wait)).to.be.instanceOf(PrerequisiteError);
  });

  it('stops when failFast throws and when the signal fires', async () => {
    const failFast = poll('x', { timeoutMs: 500, clock: fakeClock(), failFast: () => { throw new InfrastructureError('felix died'); } }, async () => undefined);
    expect((await rejection(failFast)).message).to.match(/felix died/);
    const controller = new AbortController();
    let calls = 0;
    const cancelled = poll('x', { timeoutMs: 500, clock: fakeClock(), signal: controller.signal }, async () => {
      if (++calls === 2) controller.abort();
      return undefined;
    });
    expectError(await rejection(cancelled), CancelledError, /cancelled while waiting for x/);
  });
});
