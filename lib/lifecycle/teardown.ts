// A teardown stack: each step registers its undo BEFORE its setup runs, so a half-finished
// setup is still undone, in reverse order, whatever interrupted it.
import { messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';

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
