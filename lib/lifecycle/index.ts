// Lifecycle helpers every layer uses (providers, the run engine, the CLI): the root signal,
// the teardown stack and the one polling primitive. They import nothing above lib/errors.
export { createRootSignal, throwIfCancelled } from './root-signal.ts';
export type { RootSignal } from './root-signal.ts';
export { TeardownStack } from './teardown.ts';
export { poll, retryHealable, sleep, systemClock } from './poll.ts';
export type { Clock, PollOptions } from './poll.ts';
