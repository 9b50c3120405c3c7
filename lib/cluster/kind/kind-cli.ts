// The only module that runs the kind CLI. One execa instance bound to the run's abort signal;
// each command has its own timeout; kind's output (it writes progress to stderr) goes line by
// line into the logger; a failure carries the command line and the output's tail.
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { CancelledError, InfrastructureError, PrerequisiteError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

export interface KindCliOptions {
  binary: string;
  signal: AbortSignal;
  log: Logger;
  /** Extra environment (DOCKER_HOST, KIND_EXPERIMENTAL_PROVIDER, ...). */
  env?: Record<string, string>;
}

export interface CreateClusterOptions {
  configPath: string;
  kubeconfigPath: string;
  timeoutMs?: number;
  /** Keep the node containers when creation fails (for `kind export logs`). */
  retain?: boolean;
}

export const timeouts = {
  create: 15 * 60_000,
  delete: 3 * 60_000,
  load: 10 * 60_000,
  exportLogs: 5 * 60_000,
  quick: 60_000,
};

/** Stderr lines that mean "the node image is neither here nor pullable". */
const imageMissing = /failed to pull image|Unable to find image|pull access denied|manifest unknown|no such host/i;

export class KindCli {
  private readonly run: (args: string[], timeoutMs: number) => Promise<{ stdout: string }>;

  constructor(private readonly options: KindCliOptions) {
    const kind = execa({
      cancelSignal: options.signal,
      forceKillAfterDelay: 5_000,
      stdin: 'ignore',
      lines: false,
      env: options.env ?? {},
    });
    this.run = (args, timeoutMs) => {
      const proc = kind(options.binary, args, { timeout: timeoutMs });
      routeLines(proc, (line) => options.log.debug(`kind: ${line}`));
      return proc;
    };
  }

  get binary(): string {
    return this.options.binary;
  }

  /** The same CLI without the run's abort signal (only timeouts): teardown must still run
   * `kind delete cluster` after the run was cancelled. */
  forTeardown(): KindCli {
    return new KindCli({ ...this.options, signal: new AbortController().signal });
  }

  async version(): Promise<string> {
    const out = await this.exec(['version'], timeouts.quick);
    return /kind (v\d+\.\d+\.\d+\S*)/.exec(out)?.[1] ?? out.trim();
  }

  async createCluster(name: string, options: CreateClusterOptions): Promise<void> {
    const args = ['create', 'cluster', '--name', name, '--config', options.configPath, '--kubeconfig', options.kubeconfigPath];
    if (options.retain) args.push('--retain');
    await this.exec(args, options.timeoutMs ?? timeouts.create);
  }

  async deleteCluster(name: string, kubeconfigPath?: string): Promise<void> {
    await this.exec(['delete', 'cluster', '--name', name, ...(kubeconfigPath ? ['--kubeconfig', kubeconfigPath] : [])], timeouts.delete);
  }

  async getClusters(): Promise<string[]> {
    const out = await this.exec(['get', 'clusters'], timeouts.quick);
    // "No kind clusters found." goes to stderr; stdout has one name per line.
    return out.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async loadDockerImage(name: string, image: string): Promise<void> {
    await this.exec(['load', 'docker-image', '--name', name, image], timeouts.load);
  }

  async exportLogs(name: string, dir: string): Promise<void> {
    await this.exec(['export', 'logs', dir, '--name', name], timeouts.exportLogs);
  }

  private async exec(args: string[], timeoutMs: number): Promise<string> {
    const command = `${this.options.binary} ${args.join(' ')}`;
    try {
      return (await this.run(args, timeoutMs)).stdout;
    } catch (e) {
      throw classifyKindError(e, command, this.options.signal, args);
    }
  }
}

/** Turn execa's error into the harness's: missing binary, cancelled, missing image, or failed. */
export function classifyKindError(e: unknown, command: string, signal: AbortSignal, args: string[] = []): Error {
  const err = e as { code?: string; isCanceled?: boolean; timedOut?: boolean; stderr?: unknown; exitCode?: number };
  if (err.code === 'ENOENT') {
    return new PrerequisiteError(`${command}: kind is not installed; run \`netpol-conformance build --kind\` or put kind on PATH`, { cause: e });
  }
  if (err.isCanceled || signal.aborted) return new CancelledError(`${command}: cancelled`, { cause: e });
  const stderr = typeof err.stderr === 'string' ? err.stderr.trim() : '';
  const tail = stderr.split('\n').slice(-12).join('\n');
  if (args[0] === 'create' && imageMissing.test(stderr)) {
    const image = /(?:pull image|find image)\s+"?([^\s"']+)/i.exec(stderr)?.[1] ?? 'the kind node image';
    return new PrerequisiteError(
      `kind could not get node image ${image}: it is not in the local Docker and cannot be pulled; ` +
        `\`docker load\` it on this machine (or point Docker at a registry mirror) and retry`,
      { cause: e },
    );
  }
  if (err.timedOut) return new InfrastructureError(`${command}: timed out\n${tail}`, { cause: e });
  // kind's own output before the command: the CLI shortens long one-line errors in the middle.
  return new InfrastructureError(`kind ${args[0]} exited with ${err.exitCode ?? 'an error'}:\n${tail}\nreproduce: ${command}`, { cause: e });
}

function routeLines(proc: { stdout: Readable | null; stderr: Readable | null }, onLine: (line: string) => void): void {
  for (const stream of [proc.stdout, proc.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line);
    });
    stream?.on('end', () => {
      if (partial.trim()) onLine(partial);
    });
  }
}
