// The run's lifecycle: one root AbortController wired to SIGINT/SIGTERM and the deadline, and a
// teardown stack. Each step registers its teardown before its setup runs, so a half-finished
// setup is still undone, in reverse order, whatever interrupted it.
import { CancelledError, messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface RootSignal extends Disposable {
  signal: AbortSignal;
  /** Why the run was aborted, once it was. */
  reason(): string | undefined;
}

export function createRootSignal(options: { deadlineMs?: number; log?: Logger } = {}): RootSignal {
  const controller = new AbortController();
  let why: string | undefined;
  const abort = (reason: string): void => {
    if (controller.signal.aborted) return;
    why = reason;
    options.log?.warn(`aborting: ${reason}; tearing down`);
    controller.abort(new CancelledError(reason));
  };
  const onSigint = (): void => abort('interrupted (SIGINT)');
  const onSigterm = (): void => abort('terminated (SIGTERM)');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  const timer =
    options.deadlineMs !== undefined
      ? setTimeout(() => abort(`deadline of ${Math.round(options.deadlineMs! / 1000)} s reached`), options.deadlineMs)
      : undefined;
  timer?.unref();
  return {
    signal: controller.signal,
    reason: () => why,
    [Symbol.dispose]() {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
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

export class TeardownStack implements AsyncDisposable {
  private readonly steps: { name: string; undo: () => Promise<void> | void }[] = [];

  constructor(private readonly log?: Logger) {}

  /** Register how to undo a step; call it BEFORE doing the step. */
  defer(name: string, undo: () => Promise<void> | void): void {
    this.steps.push({ name, undo });
  }

  get size(): number {
    return this.steps.length;
  }

  /** Run every registered undo in reverse order; errors are collected, not thrown midway. */
  async unwind(): Promise<string[]> {
    const errors: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step.undo();
      } catch (e) {
        const message = `teardown "${step.name}" failed: ${messageOf(e)}`;
        errors.push(message);
        this.log?.warn(message);
      }
    }
    return errors;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.unwind();
  }
}
