// What `run` (and each side of `gate`) checks before anything is created, beyond the options
// themselves (lib/run/options.ts, which also checks --grep): that the reports directory is one
// the harness may write into, and that no other run on this machine uses the same run id.
import { accessSync, chmodSync, closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { excerpt, InputError, messageOf } from '../errors.ts';

/** What a reports directory may hold: directories (runs, screenshots), `latest`, dotfiles. */
function isReportsEntry(dir: string, name: string): boolean {
  if (name === 'latest' || name.startsWith('.')) return true;
  try {
    return lstatSync(join(dir, name)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The reports directory must be new, empty, or hold only directories such as earlier runs (so
 * `--reports /etc` or a file is refused), be writable, and not yet hold this run id.
 */
export function checkReportsDir(reportsDir: string, runId: string): void {
  const dir = resolve(reportsDir);
  let existing = dir;
  while (!existsSync(existing)) existing = dirname(existing);
  const stat = lstatSync(existing);
  if (!stat.isDirectory()) {
    throw new InputError(`--reports ${reportsDir}: ${existing === dir ? 'is' : `${existing} is`} a file, not a directory; give a directory for the run reports`);
  }
  if (existing === dir) {
    const foreign = readdirSync(dir).filter((name) => !isReportsEntry(dir, name));
    if (foreign.length > 0) {
      throw new InputError(`--reports ${reportsDir} holds other files (${foreign.slice(0, 3).map((n) => excerpt(n, 40)).join(', ')}${foreign.length > 3 ? ', …' : ''}); give a new or empty directory, or one that holds only earlier runs`);
    }
    if (existsSync(join(dir, runId))) {
      throw new InputError(`--reports ${reportsDir} already holds a run ${runId}; give another --run-id or remove ${join(reportsDir, runId)}`);
    }
  }
  try {
    accessSync(existing, constants.W_OK);
  } catch {
    throw new InputError(`--reports ${reportsDir}: ${existing} is not writable; give a directory you can write to`);
  }
}

/** Where run locks live: one file per run id in use on this machine. */
export function runLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETPOL_CONFORMANCE_LOCKS ?? join(tmpdir(), 'netpol-conformance-runs');
}

/**
 * Takes the run id for this process, so a second run with the same id on this machine (same
 * namespaces, kind cluster and reports directory) is refused at once instead of colliding.
 * Released when the process exits; a lock whose process is gone is taken over.
 */
export function lockRunId(runId: string, dir = runLockDir()): Disposable {
  mkdirSync(dir, { recursive: true });
  // Shared by every user's runs (kind runs need no root), like /tmp itself.
  try {
    chmodSync(dir, 0o1777);
  } catch {
    // another user's directory: theirs to keep open
  }
  const file = join(dir, runId);
  const me = `${process.pid} ${processStart(process.pid)}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, me);
      closeSync(fd);
      const release = (): void => {
        try {
          if (readFileSync(file, 'utf8') === me) unlinkSync(file);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return {
        [Symbol.dispose]() {
          process.off('exit', release);
          release();
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`cannot lock run id ${runId} in ${dir}: ${messageOf(e)}`, { cause: e });
      const holder = readFileSafe(file);
      if (lockHolderAlive(holder)) {
        throw new InputError(`run id ${runId} is in use by a run still going on this machine (pid ${holder.split(' ')[0]}); give another --run-id or leave it out for a fresh one`);
      }
      // The holder died without releasing (SIGKILL): take the lock over.
      try {
        unlinkSync(file);
      } catch {
        // someone else took it over first; the next attempt sees theirs
      }
    }
  }
  throw new InputError(`run id ${runId} is being taken by another run starting right now; give another --run-id`);
}

/** Removes the locks of runs that died without releasing them (SIGKILL); returns their run ids. */
export function removeStaleLocks(only?: string, dir = runLockDir()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const runId of names.filter((name) => only === undefined || name === only)) {
    if (lockHolderAlive(readFileSafe(join(dir, runId)))) continue;
    try {
      unlinkSync(join(dir, runId));
      removed.push(runId);
    } catch {
      // taken over or removed meanwhile
    }
  }
  return removed;
}

function lockHolderAlive(holder: string): boolean {
  const [pid, start] = holder.split(' ');
  return pid !== undefined && start !== undefined && start !== '' && processStart(Number(pid)) === start;
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The process's start time in clock ticks (so a recycled pid is not taken for the holder). */
function processStart(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 0) return '';
  const stat = readFileSafe(`/proc/${pid}/stat`);
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
}
