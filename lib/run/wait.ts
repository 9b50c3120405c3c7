// Polling with a deadline and the run's abort signal, for conditions read from the cluster.
import { CancelledError, InfrastructureError } from '../errors.ts';

export async function waitFor<T>(
  what: string,
  options: { timeoutMs: number; intervalMs?: number; signal: AbortSignal },
  check: () => Promise<T | undefined>,
  describeLast?: () => string,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (options.signal.aborted) throw new CancelledError(`cancelled while waiting for ${what}`);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const last = describeLast?.();
      throw new InfrastructureError(`timed out after ${Math.round(options.timeoutMs / 1000)} s waiting for ${what}${last ? `: ${last}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 200));
  }
}
