// A long-lived `sh` inside a network namespace that runs one command at a time: for the counter
// reads a run makes every few milliseconds and the probes it sends from a pod, where starting
// `ip netns exec` from the harness each time costs ten times the command itself on a busy
// machine. A command that times out or is stopped is killed with everything it started. The shell carries the run marker, so
// `clean` finds it after a killed run; it also ends by itself when the harness goes (its stdin
// closes).
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { CancelledError, InfrastructureError } from '../../errors.ts';
import type { CommandSession, ExecOptions, ExecResult } from '../provider.ts';
import { netnsArgv } from './ip.ts';
import { runMarkerVariable } from './processes.ts';
import { shellQuote } from '../../shell-quote.ts';

/** Ends a command's stdout (then its exit status), and its stderr: bytes no command prints here. */
const endOfOutput = '\x1e';
const endOfRecord = '\x1f';

interface Pending {
  resolve(result: ExecResult): void;
  reject(error: unknown): void;
  started: number;
}

export class ShellSession implements CommandSession {
  private child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  private buffer = '';
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly netns: string,
    private readonly marker: string,
  ) {}

  /** Runs argv in the namespace; commands queue and run one after another. */
  run(argv: string[], options: ExecOptions): Promise<ExecResult> {
    const result = this.queue.then(() => this.runNow(argv, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.kill();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private runNow(argv: string[], options: ExecOptions): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new InfrastructureError(`the shell in ${this.netns} is closed`));
    if (options.signal?.aborted) return Promise.reject(new CancelledError(`cancelled before running ${argv[0]} in ${this.netns}`));
    const child = this.child ?? this.start();
    return new Promise<ExecResult>((resolve, reject) => {
      const started = Date.now();
      const finish = (): void => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      // A command that does not end takes its shell with it; the next command starts a new one.
      const timer = setTimeout(() => {
        finish();
        this.pending = undefined;
        this.kill();
        resolve({ exitCode: -1, stdout: '', stderr: `timed out after ${options.timeoutMs} ms`, durationMs: Date.now() - started, timedOut: true });
      }, options.timeoutMs);
      const onAbort = (): void => {
        finish();
        this.pending = undefined;
        this.kill();
        reject(new CancelledError(`cancelled while running ${argv[0]} in ${this.netns}`));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending = {
        started,
        resolve: (r) => {
          finish();
          resolve(r);
        },
        reject: (e) => {
          finish();
          reject(e);
        },
      };
      child.stdin.write(`${argv.map(shellQuote).join(' ')} 2>"$err"; printf '${endOfOutput}%d${endOfOutput}' $?; cat "$err"; printf '${endOfRecord}'\n`);
    });
  }

  private start(): ChildProcessByStdio<Writable, Readable, null> {
    const [file, ...args] = netnsArgv(this.netns, ['sh']) as [string, ...string[]];
    // Its own process group, so stopping a command ends what the shell started too.
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'], detached: true, env: { ...process.env, [runMarkerVariable]: this.marker } });
    this.child = child;
    this.buffer = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.deliver();
    });
    child.on('exit', () => {
      // A shell this session killed on purpose has nothing more to answer.
      if (this.child !== child) return;
      this.child = undefined;
      const pending = this.pending;
      this.pending = undefined;
      pending?.reject(new InfrastructureError(`the shell in ${this.netns} ended`));
    });
    child.stdin.on('error', () => undefined);
    // Each command's stderr goes to a file the shell holds open and has already unlinked, so
    // nothing is left in /tmp when the shell is killed (a stopped probe kills it; no EXIT trap
    // runs then). /proc/$$/fd/3 reopens it, truncated, for every command.
    child.stdin.write(`err=$(mktemp) && exec 3<>"$err" && rm -f "$err" && err=/proc/$$/fd/3\n`);
    return child;
  }

  private deliver(): void {
    const end = this.buffer.indexOf(endOfRecord);
    if (end < 0 || !this.pending) return;
    const record = this.buffer.slice(0, end);
    this.buffer = this.buffer.slice(end + 1);
    const [stdout = '', status = '', stderr = ''] = record.split(endOfOutput);
    const pending = this.pending;
    this.pending = undefined;
    pending.resolve({ exitCode: Number(status), stdout, stderr, durationMs: Date.now() - pending.started, timedOut: false });
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.stdin.end();
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

