// One counter reader per node, shared by every probe in flight on that node. A probe asks for a
// full read after it runs (and before, when it has none), and for its endpoint chains at a short
// interval while it runs. Full reads run one at a time and a request joins the next one that
// STARTS after it was made (so no probe is handed counters older than itself); watch ticks run
// beside them and list only the chains someone watches (or the whole table, when that is
// cheaper than many chains). Commands run through an injected `exec` (the provider's
// execOnNode), so this file runs nothing itself and is unit tested with captured output.
import pRetry from 'p-retry';
import { CancelledError, InfrastructureError } from '../errors.ts';
import type { IpFamily } from '../model/types.ts';
import { systemClock, type Clock } from '../lifecycle/index.ts';
import { chainReadCommand, parseChainRead, parseTableRead, tableReadCommand } from './counter-reads.ts';
import { CounterParseError } from './iptables-save.ts';
import type { CounterBackend, CounterSnapshot } from './types.ts';

export interface CounterExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export type CounterExec = (argv: string[], options: { timeoutMs: number; signal?: AbortSignal }) => Promise<CounterExecResult>;

export interface NodeCounterReaderOptions {
  node: string;
  backend: CounterBackend;
  /** Which family's rules it reads (default IPv4): a reader per node and family. */
  family?: IpFamily;
  exec: CounterExec;
  /** Runs the watch ticks, beside the full reads (default: `exec`). */
  watchExec?: CounterExec;
  /** The run's signal: the reader stops and every waiting request fails when it fires. */
  signal: AbortSignal;
  clock?: Clock;
  /** Pause between two watch reads (default 15 ms). */
  watchIntervalMs?: number;
  /** Most chains a watch read lists one by one; above that one table read is cheaper (default 2). */
  maxChainReads?: number;
}

/** What a node's reader did, for benchmarks. */
export interface ReaderStats {
  tableReads: number;
  chainReads: number;
  busyMs: number;
}

interface Waiter {
  resolve(snapshot: CounterSnapshot): void;
  reject(error: unknown): void;
}

interface Watcher {
  chains: readonly string[];
  onRead(snapshot: CounterSnapshot): void;
}

export class NodeCounterReader {
  readonly stats: ReaderStats = { tableReads: 0, chainReads: 0, busyMs: 0 };
  private readonly pending: Waiter[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly clock: Clock;
  private reading = false;
  private watching = false;

  constructor(private readonly options: NodeCounterReaderOptions) {
    this.clock = options.clock ?? systemClock;
  }

  get node(): string {
    return this.options.node;
  }

  get family(): IpFamily {
    return this.options.family ?? 'IPv4';
  }

  /** A full read of the node's filter rules that starts after this call. */
  read(signal?: AbortSignal): Promise<CounterSnapshot> {
    return new Promise<CounterSnapshot>((resolve, reject) => {
      const cancelled = signal ?? this.options.signal;
      if (cancelled.aborted || this.options.signal.aborted) return reject(new CancelledError(`cancelled before reading counters on ${this.node}`));
      const onAbort = (): void => {
        const i = this.pending.indexOf(waiter);
        if (i >= 0) this.pending.splice(i, 1);
        reject(new CancelledError(`cancelled while reading counters on ${this.node}`));
      };
      // The run's own signal needs no listener per request (the read lane fails every waiter when
      // it fires): with many recipes, nodes and families reading at once, one each would pile up.
      const own = signal === this.options.signal ? undefined : signal;
      const waiter: Waiter = {
        resolve: (s) => {
          own?.removeEventListener('abort', onAbort);
          resolve(s);
        },
        reject: (e) => {
          own?.removeEventListener('abort', onAbort);
          reject(e);
        },
      };
      own?.addEventListener('abort', onAbort, { once: true });
      this.pending.push(waiter);
      this.kickReads();
    });
  }

  /** A read of these chains only, now (not shared: a probe's own chains after it ran). */
  async readChainsNow(chains: readonly string[], signal?: AbortSignal): Promise<CounterSnapshot> {
    if (signal?.aborted || this.options.signal.aborted) throw new CancelledError(`cancelled before reading chains on ${this.node}`);
    const started = this.clock.now();
    try {
      return await this.readChains(this.options.exec, chains, signal ?? this.options.signal);
    } finally {
      this.stats.busyMs += this.clock.now() - started;
    }
  }

  /**
   * Reads `chains` at every tick until `signal` fires and hands each read to `onRead` (which may
   * hold more chains than asked for: full reads made meanwhile are passed on too). A failed tick
   * is skipped: a watch only ever shortens a probe, it never decides one alone.
   */
  watch(chains: readonly string[], onRead: (snapshot: CounterSnapshot) => void, signal: AbortSignal): void {
    if (signal.aborted || this.options.signal.aborted) return;
    const watcher: Watcher = { chains, onRead };
    this.watchers.add(watcher);
    signal.addEventListener('abort', () => this.watchers.delete(watcher), { once: true });
    this.kickWatch();
  }

  private kickReads(): void {
    if (this.reading) return;
    this.reading = true;
    // Started on the next microtask, so requests made together share the first read.
    queueMicrotask(() => void this.readLane());
  }

  private kickWatch(): void {
    if (this.watching) return;
    this.watching = true;
    queueMicrotask(() => void this.watchLane());
  }

  /** Full reads, one after another while anyone waits; each serves every request made before it started. */
  private async readLane(): Promise<void> {
    for (;;) {
      if (this.options.signal.aborted) {
        for (const w of this.pending.splice(0)) w.reject(new CancelledError(`cancelled while reading counters on ${this.node}`));
      }
      if (this.pending.length === 0) {
        this.reading = false;
        return;
      }
      const waiters = this.pending.splice(0);
      const started = this.clock.now();
      try {
        const snapshot = await this.readTable(this.options.exec, true);
        for (const w of waiters) w.resolve(snapshot);
        // A full read holds every watched chain too.
        for (const w of [...this.watchers]) w.onRead(snapshot);
      } catch (e) {
        for (const w of waiters) w.reject(e);
      } finally {
        this.stats.busyMs += this.clock.now() - started;
      }
    }
  }

  /** Watch ticks, beside the full reads: the watched chains, then a short pause. */
  private async watchLane(): Promise<void> {
    const runSignal = this.options.signal;
    for (;;) {
      if (runSignal.aborted) this.watchers.clear();
      if (this.watchers.size === 0) {
        this.watching = false;
        return;
      }
      const watchers = [...this.watchers];
      const chains = [...new Set(watchers.flatMap((w) => w.chains))];
      const started = this.clock.now();
      try {
        const exec = this.options.watchExec ?? this.options.exec;
        const snapshot = chains.length > (this.options.maxChainReads ?? 2) ? await this.readTable(exec, false) : await this.readChains(exec, chains, runSignal);
        for (const w of watchers) if (this.watchers.has(w)) w.onRead(snapshot);
      } catch {
        // A failed tick is skipped; the next one reads again.
      } finally {
        this.stats.busyMs += this.clock.now() - started;
      }
      await this.clock.sleep(this.options.watchIntervalMs ?? 15, runSignal);
    }
  }

  private async readTable(exec: CounterExec, retry: boolean): Promise<CounterSnapshot> {
    const { backend, node, signal } = this.options;
    const argv = tableReadCommand(backend, this.family);
    this.stats.tableReads++;
    // A dump can fail while felix rewrites the ruleset under it (iptables-nft-save: "Set with
    // index N in kernel doesn't exist"). Reading is idempotent, so it is retried with a short
    // backoff (50 ms doubling, about 1.5 s in all); a dump that keeps failing is an
    // infrastructure error. (A watch tick does not retry: it skips to the next tick.)
    const attempt = async (): Promise<CounterSnapshot> => {
      const result = await exec(argv, { timeoutMs: 15_000, signal });
      if (result.exitCode !== 0) {
        throw new InfrastructureError(
          `reading ${this.family} counters on node ${node} failed: \`${argv.join(' ')}\` exited ${result.exitCode}: ${result.stderr.trim().slice(0, 300)}`,
        );
      }
      return parseTableRead(backend, result.stdout);
    };
    if (!retry) return attempt();
    // The run's signal is not handed to p-retry: a dump under way when the run is cancelled
    // still delivers its counters; only no further attempt starts.
    return pRetry(attempt, {
      retries: 5,
      minTimeout: 50,
      factor: 2,
      randomize: false,
      shouldRetry: ({ error }) => !signal?.aborted && (error instanceof InfrastructureError || error instanceof CounterParseError),
    });
  }

  private async readChains(exec: CounterExec, chains: readonly string[], signal: AbortSignal): Promise<CounterSnapshot> {
    const { backend, node } = this.options;
    this.stats.chainReads++;
    const result = await exec(chainReadCommand(backend, chains, this.family), { timeoutMs: 5_000, signal });
    if (result.exitCode !== 0) throw new InfrastructureError(`listing chains on node ${node} exited ${result.exitCode}: ${result.stderr.trim().slice(0, 200)}`);
    return parseChainRead(backend, result.stdout);
  }
}
