// One root AbortController for a run, wired to SIGINT/SIGTERM and the deadline: every
// subprocess, retry and watch takes its signal, so one place decides when work stops.
import { setMaxListeners } from 'node:events';
import { CancelledError } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface RootSignal extends Disposable {
  signal: AbortSignal;
  /** Why the run was aborted, once it was. */
  reason(): string | undefined;
  /** Abort now, for a reason of the caller's (a hook asked to stop, a test cancels). */
  abort(reason: string): void;
}

export function createRootSignal(options: { deadlineMs?: number; log?: Logger; parent?: AbortSignal } = {}): RootSignal {
  const controller = new AbortController();
  // Every subprocess, read and watch in flight listens to it: dozens at once are expected.
  setMaxListeners(256, controller.signal);
  let why: string | undefined;
  const abort = (reason: string): void => {
    if (controller.signal.aborted) return;
    why = reason;
    options.log?.warn(`aborting: ${reason}; tearing down`);
    controller.abort(new CancelledError(reason));
  };
  const onSigint = (): void => abort('interrupted (SIGINT)');
  const onSigterm = (): void => abort('terminated (SIGTERM)');
  const onParent = (): void => abort(options.parent?.reason instanceof Error ? options.parent.reason.message : 'cancelled');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  if (options.parent?.aborted) onParent();
  else options.parent?.addEventListener('abort', onParent, { once: true });
  const timer =
    options.deadlineMs !== undefined
      ? setTimeout(() => abort(`deadline of ${Math.round(options.deadlineMs! / 1000)} s reached`), options.deadlineMs)
      : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    reason: () => why,
    abort,
    [Symbol.dispose]() {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      options.parent?.removeEventListener('abort', onParent);
      if (timer) clearTimeout(timer);
    },
  };
}

/** Throws CancelledError when the signal has fired. Call between steps. */
export function throwIfCancelled(signal: AbortSignal): void {
  if (signal.aborted) {
    throw signal.reason instanceof Error ? signal.reason : new CancelledError(String(signal.reason));
  }
}
