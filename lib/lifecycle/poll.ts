// The one polling primitive: every wait for a condition read from a cluster (API server ready,
// felix programmed, a pod ready, a server answering) and every retry of an idempotent read goes
// through poll(). The clock is injected so waits are unit tested without waiting.
import { CancelledError, InfrastructureError, InputError, PrerequisiteError, messageOf } from '../errors.ts';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` fires (never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = { now: () => Date.now(), sleep };

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface PollOptions {
  timeoutMs: number;
  /** Pause between attempts (default 200 ms). */
  intervalMs?: number;
  signal?: AbortSignal | undefined;
  clock?: Clock;
  /**
   * Which errors thrown by the check are retried (default: none, an error ends the wait).
   * Bad input, a missing prerequisite and cancellation are never retried: they do not heal.
   */
  retryIf?: (error: unknown) => boolean;
  /** Called before every attempt; what it throws ends the wait at once (e.g. a process died). */
  failFast?: () => void;
  /** What was seen last, for the timeout error (default: the last retried error). */
  describeLast?: () => string;
}

/** Every error but those that cannot heal: for waits on an API server that may be restarting. */
export function retryHealable(error: unknown): boolean {
  return !(error instanceof InputError || error instanceof PrerequisiteError || error instanceof CancelledError);
}

/**
 * Calls `check` until it returns something other than undefined, and returns that. Throws
 * CancelledError when the signal fires, and an InfrastructureError naming `what`, the time
 * waited and what was seen last when `timeoutMs` passes.
 */
export async function poll<T>(what: string, options: PollOptions, check: () => Promise<T | undefined>): Promise<T> {
  const clock = options.clock ?? systemClock;
  const started = clock.now();
  const interval = options.intervalMs ?? 200;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError(`cancelled while waiting for ${what}`);
    options.failFast?.();
    try {
      const value = await check();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (e) {
      if (!options.retryIf || !retryHealable(e) || !options.retryIf(e)) throw e;
      lastError = e;
    }
    const elapsed = clock.now() - started;
    if (elapsed >= options.timeoutMs) {
      const last = options.describeLast?.() ?? (lastError === undefined ? '' : `last error: ${messageOf(lastError)}`);
      throw new InfrastructureError(`timed out after ${formatWait(options.timeoutMs)} waiting for ${what}${last ? `; ${last}` : ''}`, {
        cause: lastError,
      });
    }
    await clock.sleep(Math.min(interval, options.timeoutMs - elapsed), options.signal);
  }
}

function formatWait(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}
