// One namespaced logger for the whole harness. Lines go to stderr (stdout is kept for the
// machine-readable output of `expect --json`, `recipes --json`) and, once a run has a report
// directory, to its harness.log as well.
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 0, info: 1, warn: 2, error: 3 };

let threshold: Level = (process.env.NETPOL_LOG as Level | undefined) ?? 'info';
let logFile: string | undefined;

export function setLogLevel(level: Level): void {
  threshold = level;
}

/** Also append every line (all levels) to this file. */
export function setLogFile(path: string | undefined): void {
  logFile = path;
}

/**
 * A log line that cannot be written (a full or read-only disk) must not fail the step that
 * logged it: the file is given up, with one line on stderr saying so.
 */
function appendToLogFile(file: string, line: string): void {
  try {
    appendFileSync(file, line + '\n');
  } catch (e) {
    if (logFile === file) logFile = undefined;
    process.stderr.write(`${new Date().toISOString()} warn  [log] stopped writing ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
  }
}

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  child(namespace: string): Logger;
}

export function createLogger(namespace: string): Logger {
  const write = (level: Level, message: string): void => {
    const line = `${new Date().toISOString()} ${level.padEnd(5)} [${namespace}] ${message}`;
    if (logFile) appendToLogFile(logFile, line);
    if (order[level] >= order[threshold]) process.stderr.write(line + '\n');
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
    child: (ns) => createLogger(`${namespace}:${ns}`),
  };
}
