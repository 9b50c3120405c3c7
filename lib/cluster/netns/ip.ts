// The ip/iptables/nft/sysctl boundary of the netns provider: the only module that runs them.
// Everything the provider creates lives inside network namespaces it made; the one command
// here that looks at the host's own namespace is the read-only hostNetworkState().
import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';
import type { ExecOptions, ExecResult } from '../provider.ts';
import { shellQuote } from '../../shell-quote.ts';

const tool = execa({ timeout: 30_000, forceKillAfterDelay: 1_000, reject: false });

async function run(argv: string[], input?: string): Promise<string> {
  const [file, ...args] = argv as [string, ...string[]];
  const result = input === undefined ? await tool(file, args, { stdin: 'ignore' }) : await tool(file, args, { input });
  if (result.exitCode !== 0) {
    throw new InfrastructureError(
      `\`${argv.join(' ')}\` failed (exit ${result.exitCode ?? result.signal}): ${String(result.stderr).trim() || String(result.stdout).trim()}` +
        (input ? `\ninput:\n${input}` : ''),
      { cause: result },
    );
  }
  return String(result.stdout);
}

/** The argv that runs `argv` inside network namespace `ns` (for spawning and for reproducing). */
export function netnsArgv(ns: string, argv: string[]): string[] {
  return ['ip', 'netns', 'exec', ns, ...argv];
}

export async function addNetns(name: string): Promise<void> {
  await run(['ip', 'netns', 'add', name]);
  await run(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

/** Delete a namespace; its links and routes go with it. A missing namespace is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  const result = await tool('ip', ['netns', 'delete', name], { stdin: 'ignore' });
  if (result.exitCode !== 0 && !/No such file|Cannot remove namespace file/.test(String(result.stderr))) {
    throw new InfrastructureError(`\`ip netns delete ${name}\` failed: ${String(result.stderr).trim()}`, { cause: result });
  }
}

export async function listNetns(): Promise<string[]> {
  const out = await run(['ip', 'netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name !== '');
}

/** The inode of a named namespace, to recognise processes that live in it (/proc/<pid>/ns/net). */
export async function netnsInode(name: string): Promise<number | undefined> {
  try {
    return (await stat(`/run/netns/${name}`)).ino;
  } catch {
    return undefined;
  }
}

/** Run `ip` commands in one process (`ip -n <ns> -batch -`). */
export async function ipBatch(ns: string, lines: string[]): Promise<void> {
  await run(['ip', '-n', ns, '-batch', '-'], lines.join('\n') + '\n');
}

/**
 * Several of this module's steps as one `sh -e` script: one process started from the harness
 * instead of one per step, which is what setting up a pod costs on a busy machine. Each step is
 * argv; the first that fails ends the script, and its error is what the thrown error shows.
 */
export async function runSteps(steps: string[][]): Promise<void> {
  await run(['sh', '-e', '-s'], steps.map((argv) => argv.map(shellQuote).join(' ')).join('\n') + '\n');
}

export function addNetnsSteps(name: string): string[][] {
  return [
    ['ip', 'netns', 'add', name],
    ['ip', '-n', name, 'link', 'set', 'lo', 'up'],
  ];
}

export function ipBatchStep(ns: string, lines: string[]): string[][] {
  return lines.map((line) => ['ip', '-n', ns, ...line.split(' ')]);
}

export function sysctlStep(ns: string, settings: Record<string, string | number>): string[] {
  return netnsArgv(ns, ['sysctl', '-q', '-w', ...Object.entries(settings).map(([key, value]) => `${key}=${value}`)]);
}


export async function sysctl(ns: string, settings: Record<string, string | number>): Promise<void> {
  const args = Object.entries(settings).map(([key, value]) => `${key}=${value}`);
  await run(netnsArgv(ns, ['sysctl', '-q', '-w', ...args]));
}

/** Run argv inside a namespace and report what happened; a non-zero exit is a result, not an error. */
export async function execInNetns(ns: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
  const started = Date.now();
  const result = await tool('ip', ['netns', 'exec', ns, ...argv], {
    stdin: 'ignore',
    timeout: options.timeoutMs,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
  });
  return {
    exitCode: result.exitCode ?? -1,
    stdout: String(result.stdout),
    stderr: String(result.stderr) || (result.failed && result.exitCode === undefined ? (result.shortMessage ?? '') : ''),
    durationMs: Date.now() - started,
    timedOut: result.timedOut,
  };
}

/** Run a command in a namespace and return its stdout; failure is an error. */
export async function outputInNetns(ns: string, argv: string[]): Promise<string> {
  return run(netnsArgv(ns, argv));
}

/**
 * The host namespace's network state, read-only, without counters or timestamps: used to prove a
 * run leaves the host exactly as it found it.
 */
export async function hostNetworkState(): Promise<Record<string, string>> {
  const read = async (argv: string[]): Promise<string> => {
    const result = await tool(argv[0]!, argv.slice(1), { stdin: 'ignore' });
    const text = result.exitCode === 0 ? String(result.stdout) : `exit ${result.exitCode}: ${String(result.stderr)}`;
    return text
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
  };
  const entries = await Promise.all(
    [
      ['netns', ['ip', 'netns', 'list']],
      ['links', ['ip', '-o', 'link', 'show']],
      ['addresses', ['ip', '-o', 'addr', 'show']],
      ['routes', ['ip', 'route', 'show', 'table', 'all']],
      ['rules', ['ip', 'rule', 'show']],
      ['iptables-nft', ['iptables-nft-save']],
      ['iptables-legacy', ['iptables-legacy-save']],
      ['ip6tables-nft', ['ip6tables-nft-save']],
      ['nft', ['nft', 'list', 'ruleset']],
      ['ipset', ['ipset', 'list', '-n']],
    ].map(async ([name, argv]) => [name as string, await read(argv as string[])] as const),
  );
  return Object.fromEntries(entries);
}
