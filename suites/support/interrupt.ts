// Interrupting a real `run` or `gate` at a point of its own progress: the child's output is read
// line by line and the signal goes out when a line matches, so the points follow the run, not
// the clock. Then everything the run ids held is looked up.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { resourcePrefix } from '../../lib/cluster/netns/index.ts';
import { runLockDir } from '../../lib/cli/run-checks.ts';
import { validateReport } from '../../lib/report/validate.ts';
import { leftoversOf } from './run-resources.ts';

const cli = fileURLToPath(new URL('../../bin/netpol-conformance.js', import.meta.url));

export interface InterruptPoint {
  /** Where in the run, for the test title. */
  name: string;
  /** The progress line to act at (its `occurrence`-th match, default the first). */
  line: RegExp;
  occurrence?: number;
  /** The signal to send there, or */
  signal?: 'SIGINT' | 'SIGTERM';
  /** what else to do there (inject a fault). */
  action?: () => void;
}

export interface Interrupted {
  /** Whether the point was reached (the run got the signal, the action ran). */
  fired: boolean;
  exitCode: number | undefined;
  /** Set when the process died of a signal instead of exiting by itself. */
  killedBy: string | undefined;
  output: string;
  seconds: number;
}

/** Runs `netpol-conformance <args>` and, at the point's line, sends its signal or does its action. */
export async function interruptAt(args: string[], point: InterruptPoint): Promise<Interrupted> {
  const started = Date.now();
  // No forced kill after the signal (execa's default is SIGKILL 5 s after a SIGTERM): the
  // teardown being checked must be allowed to finish.
  const child = execa(process.execPath, [cli, ...args], { reject: false, all: true, buffer: { all: true }, forceKillAfterDelay: false });
  let fired = false;
  let seen = 0;
  let partial = '';
  child.all?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (fired || !point.line.test(line) || ++seen < (point.occurrence ?? 1)) continue;
      fired = true;
      if (point.signal) child.kill(point.signal);
      point.action?.();
    }
  });
  const result = await child;
  return {
    fired,
    exitCode: result.exitCode,
    killedBy: result.signal,
    output: String(result.all),
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/**
 * What the run ids still hold: namespaces, processes and state (netns), links, routes and
 * firewall rules of the host that name the run, temp directories, the run id lock, and a
 * report.json that is not a whole report. Empty when the run left nothing.
 */
export async function remainsOf(runIds: string[], reportsDir: string): Promise<string[]> {
  const remains: string[] = [];
  const host = await hostLinesNaming(runIds.map(resourcePrefix));
  remains.push(...host.map((line) => `host: ${line}`));
  const temps = await readdir(tmpdir());
  for (const runId of runIds) {
    const { namespaces, processes, stateDir } = await leftoversOf(runId);
    remains.push(...namespaces.map((n) => `netns ${n}`), ...processes.map((p) => `process ${p}`), ...(stateDir ? [`state ${stateDir}`] : []));
    remains.push(...temps.filter((t) => t.includes(runId) || t.includes(resourcePrefix(runId))).map((t) => `temp ${join(tmpdir(), t)}`));
    if (existsSync(join(runLockDir(), runId))) remains.push(`lock ${join(runLockDir(), runId)}`);
    const report = join(reportsDir, runId, 'report.json');
    if (existsSync(report)) {
      try {
        validateReport(JSON.parse(await readFile(report, 'utf8')), report);
      } catch (e) {
        remains.push(`half-written ${report}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  return remains;
}

/** Lines of the host's links, addresses, routes and firewall rulesets that name one of the prefixes. */
async function hostLinesNaming(prefixes: string[]): Promise<string[]> {
  const commands = [
    ['ip', '-o', 'link', 'show'],
    ['ip', '-o', 'addr', 'show'],
    ['ip', 'route', 'show', 'table', 'all'],
    ['iptables-nft-save'],
    ['iptables-legacy-save'],
    ['nft', 'list', 'ruleset'],
  ];
  const outputs = await Promise.all(commands.map(([file, ...args]) => execa(file!, args, { reject: false }).then((r) => String(r.stdout))));
  return outputs.flatMap((text) => text.split('\n')).filter((line) => prefixes.some((p) => line.includes(p)));
}
