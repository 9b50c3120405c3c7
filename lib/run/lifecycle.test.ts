import { expect } from 'chai';
import { CancelledError } from '../errors.ts';
import { TeardownStack, createRootSignal, throwIfCancelled } from './lifecycle.ts';

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
});
