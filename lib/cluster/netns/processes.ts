// Child-process supervision for the netns provider: etcd, kube-apiserver, felix, the API relay
// and fixture servers. Each child gets its own process group (so stop() also ends what it
// forked), a log file under the run's work directory, the run marker in its environment and a
// record in the state directory, so `clean` can find it after a killed run.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError, messageOf } from '../../errors.ts';

/** Environment variable every child carries; `clean` finds leftovers by it. */
export const runMarkerVariable = 'NETPOL_CONFORMANCE_RUN';

export interface ProcessSpec {
  /** Short unique name, used for the log file and messages. */
  name: string;
  argv: string[];
  env?: Record<string, string>;
  /** Restart after an unexpected exit (fixture servers), up to this many times. */
  restarts?: number;
}

export interface ProcessRecord {
  pid: number;
  name: string;
  argv: string[];
  /** /proc/<pid>/stat start time, so a recycled pid is never mistaken for ours. */
  startTicks: string;
}

export class SupervisedProcess {
  private child: { pid?: number | undefined } | undefined;
  private stopping = false;
  private restartsLeft: number;
  private exitWaiters: (() => void)[] = [];
  exitedWith: string | undefined;

  constructor(
    readonly spec: ProcessSpec,
    readonly logFile: string,
    private readonly supervisor: Supervisor,
  ) {
    this.restartsLeft = spec.restarts ?? 0;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitedWith === undefined;
  }

  async start(): Promise<void> {
    const [file, ...args] = this.spec.argv as [string, ...string[]];
    const child = spawnDetached(file, args, { ...this.spec.env, [runMarkerVariable]: this.supervisor.runId }, this.logFile);
    this.child = child;
    this.exitedWith = undefined;
    const pid = child.pid;
    if (pid === undefined) {
      const result = await child;
      throw new InfrastructureError(`could not start ${this.spec.name} (${this.spec.argv.join(' ')}): ${result.shortMessage}`);
    }
    await this.supervisor.record(this, pid);
    void child.then((result) => this.onExit(child, pid, result.exitCode ?? result.signal ?? 'unknown'));
  }

  private onExit(child: object, pid: number, how: number | string): void {
    if (child !== this.child) return;
    this.exitedWith = typeof how === 'number' ? `exit code ${how}` : `signal ${how}`;
    void this.supervisor.forget(pid);
    for (const wake of this.exitWaiters.splice(0)) wake();
    if (this.stopping) return;
    if (this.restartsLeft > 0) {
      this.restartsLeft--;
      this.supervisor.restarting(this, this.exitedWith);
      this.start().catch((e: unknown) => this.supervisor.unexpectedExit(this, messageOf(e)));
      return;
    }
    this.supervisor.unexpectedExit(this, this.exitedWith);
  }

  /** SIGTERM the process group, SIGKILL it after `graceMs`, and wait for the exit. */
  async stop(graceMs = 2_000): Promise<void> {
    this.stopping = true;
    const pid = this.child?.pid;
    if (pid === undefined || this.exitedWith !== undefined) return;
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    signalGroup(pid, graceMs === 0 ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

// stdout and stderr both append to the log file (O_APPEND keeps their lines whole).
function spawnDetached(file: string, args: string[], env: Record<string, string>, logFile: string) {
  return execa(file, args, {
    env,
    extendEnv: true,
    detached: true,
    cleanup: false,
    stdin: 'ignore',
    stdout: { file: logFile, append: true },
    stderr: { file: logFile, append: true },
    reject: false,
    buffer: false,
  });
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The last lines of a child's log, joined on one line, for the message that says it died. */
export function logTail(file: string, lines = 3, maxBytes = 4096): string {
  let text: string;
  try {
    const size = statSync(file).size;
    const fd = openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(Math.min(size, maxBytes));
      readSync(fd, buffer, 0, buffer.length, size - buffer.length);
      text = buffer.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .slice(-lines)
    .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line))
    .join(' | ');
}

/** Starts children, records them in the state directory and reports deaths nobody asked for. */
export class Supervisor {
  private readonly processes: SupervisedProcess[] = [];
  /** Unexpected exits so far, newest last ("felix-node-0: exit code 1 (log ...)"). */
  readonly failures: string[] = [];
  /** The same, by process name. */
  readonly failed: { name: string; message: string }[] = [];

  constructor(
    readonly runId: string,
    private readonly logDir: string,
    private readonly stateDir: string,
    readonly log: (line: string) => void,
  ) {}

  async start(spec: ProcessSpec): Promise<SupervisedProcess> {
    await mkdir(this.logDir, { recursive: true });
    await mkdir(join(this.stateDir, 'pids'), { recursive: true });
    const process = new SupervisedProcess(spec, join(this.logDir, `${spec.name}.log`), this);
    this.processes.push(process);
    await process.start();
    return process;
  }

  async record(process: SupervisedProcess, pid: number): Promise<void> {
    const record: ProcessRecord = { pid, name: process.spec.name, argv: process.spec.argv, startTicks: await startTicks(pid) };
    await writeFile(join(this.stateDir, 'pids', String(pid)), JSON.stringify(record) + '\n');
  }

  async forget(pid: number): Promise<void> {
    await rm(join(this.stateDir, 'pids', String(pid)), { force: true });
  }

  /** Deaths answered with a restart, newest last, each with the log lines before it. */
  readonly restarts: { name: string; message: string }[] = [];

  restarting(process: SupervisedProcess, how: string): void {
    const tail = logTail(process.logFile);
    this.restarts.push({ name: process.spec.name, message: `${process.spec.name}: ${how}, restarted${tail ? `; last log lines: ${tail}` : ''}` });
    this.log(`${process.spec.name} exited unexpectedly (${how}); restarting (log ${process.logFile})`);
  }

  unexpectedExit(process: SupervisedProcess, how: string): void {
    const tail = logTail(process.logFile);
    const message = `${process.spec.name}: ${how}${tail ? `; last log lines: ${tail}` : ''} (log ${process.logFile})`;
    this.failures.push(message);
    this.failed.push({ name: process.spec.name, message });
    this.log(`process died unexpectedly: ${message}`);
  }

  /** Throw when a process that should be running has died. */
  assertHealthy(): void {
    if (this.failures.length > 0) {
      throw new InfrastructureError(`processes of the netns cluster died: ${this.failures.join('; ')}`);
    }
  }

  list(): readonly SupervisedProcess[] {
    return this.processes;
  }

  /** Stop every process still running, newest first. */
  async stopAll(graceMs = 2_000): Promise<void> {
    const running = this.processes.splice(0).reverse();
    await Promise.all(running.map((p) => p.stop(graceMs)));
  }
}

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
export async function startTicks(pid: number): Promise<string> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}
