// Runs the real CLI (`node bin/netpol-conformance.js ...`) from the repository root, for the tests
// that check what a user sees: exit status, stdout and stderr.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const argv = (args: string[]): string[] => ['bin/netpol-conformance.js', ...args];

export function runCliSync(args: string[], timeoutMs = 60_000): CliRun {
  const run = spawnSync(process.execPath, argv(args), { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Async, so several runs can go side by side (each CLI start pays for tsx). */
export function runCli(args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv(args), { cwd: root, timeout: timeoutMs, ...(env ? { env: { ...process.env, ...env } } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
