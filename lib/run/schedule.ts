// Recipes side by side: a fixed number of workers take recipes from one queue. Each recipe has
// its own namespaces, pods and policies, so their counters never mix; the queue starts with the
// recipes that take longest, so the last one to finish does not start last.
import { throwIfCancelled } from '../lifecycle/index.ts';

/**
 * Runs `work` on every item with at most `concurrency` at once and returns the results in the
 * items' order. Longest first by `cost`. When one fails, the others still finish (so their
 * teardown runs) and the first failure is thrown.
 */
export async function runSideBySide<T, R>(
  items: readonly T[],
  options: { concurrency: number; cost?: (item: T) => number; signal: AbortSignal },
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const order = items.map((item, index) => ({ item, index, cost: options.cost?.(item) ?? 0 })).sort((a, b) => b.cost - a.cost);
  const results = new Array<R>(items.length);
  const failures: unknown[] = [];
  const worker = async (): Promise<void> => {
    for (let next = order.shift(); next; next = order.shift()) {
      if (failures.length > 0) return;
      try {
        throwIfCancelled(options.signal);
        results[next.index] = await work(next.item, next.index);
      } catch (e) {
        failures.push(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, worker));
  if (failures.length > 0) throw failures[0];
  return results;
}
