// The only code in the harness that runs the go command.
import { execa } from 'execa';
import { CancelledError, PrerequisiteError, InfrastructureError } from '../errors.ts';
import { shellQuote } from '../shell-quote.ts';

export interface GoOptions {
  /** The wrapper module directory the command runs in. */
  cwd: string;
  signal?: AbortSignal;
  /** Extra environment (CGO_ENABLED, ...). */
  env?: Record<string, string>;
  /** Receives each line of the command's stderr (go writes its progress there). */
  onLine?: (line: string) => void;
}

// Calico's pseudo-versions are not in the checksum database the module proxy serves, so they are
// taken on the first download and recorded in the committed go.sum, which every later build checks.
const goEnv = {
  GONOSUMDB: 'github.com/projectcalico',
  // Builds use the committed go.mod/go.sum as they are; never switch toolchains behind our back.
  GOFLAGS: '-mod=readonly',
  GOTOOLCHAIN: 'local',
};

/** Run `go <args>` and return its stdout; a failure carries the command and its stderr tail. */
export async function go(args: string[], options: GoOptions): Promise<string> {
  const command = `go ${args.map(shellQuote).join(' ')}`;
  try {
    const proc = execa('go', args, {
      cwd: options.cwd,
      env: { ...goEnv, ...options.env },
      cancelSignal: options.signal,
      stdin: 'ignore',
      lines: false,
    });
    if (options.onLine) {
      const onLine = options.onLine;
      let partial = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) onLine(line);
      });
    }
    const result = await proc;
    return result.stdout;
  } catch (e) {
    const err = e as { code?: string; isCanceled?: boolean; stderr?: unknown; exitCode?: number };
    if (err.code === 'ENOENT') {
      throw new PrerequisiteError(`${command}: the go command is not installed (need Go >= 1.24 on PATH)`, { cause: e });
    }
    if (err.isCanceled || options.signal?.aborted) throw new CancelledError(`${command}: cancelled`, { cause: e });
    const stderr = typeof err.stderr === 'string' ? err.stderr.trim().split('\n').slice(-15).join('\n') : '';
    // Go's own output first: the CLI prints errors on one line and shortens a long one in the
    // middle, and the compiler's message must survive that; the (long) command comes last.
    throw new InfrastructureError(
      `go ${args[0]} exited with ${err.exitCode ?? 'an error'} in ${options.cwd}:\n${stderr}\nreproduce: cd ${options.cwd} && ${command}`,
      { cause: e },
    );
  }
}
