import { expect } from 'chai';
import { runSideBySide } from './schedule.ts';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('runSideBySide', () => {
  it('keeps at most `concurrency` at once, starts the costliest first, and returns results in item order', async () => {
    let running = 0;
    let peak = 0;
    const started: string[] = [];
    const items = ['a', 'bbbb', 'cc', 'ddd', 'e'];
    const results = await runSideBySide(items, { concurrency: 2, cost: (s) => s.length, signal: new AbortController().signal }, async (s) => {
      started.push(s);
      peak = Math.max(peak, ++running);
      await tick(5 * s.length);
      running--;
      return s.toUpperCase();
    });
    expect(results).to.deep.equal(['A', 'BBBB', 'CC', 'DDD', 'E']);
    expect(peak).to.equal(2);
    expect(started.slice(0, 2)).to.deep.equal(['bbbb', 'ddd']);
  });

  it('lets running work finish and starts no more after a failure', async () => {
    const finished: number[] = [];
    const error = await runSideBySide([1, 2, 3, 4], { concurrency: 2, signal: new AbortController().signal }, async (n) => {
      if (n === 1) throw new Error('recipe 1 broke');
      await tick(10);
      finished.push(n);
      return n;
    }).then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).to.equal('recipe 1 broke');
    expect(finished).to.deep.equal([2]);
  });
});
