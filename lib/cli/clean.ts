// `netpol-conformance clean`: remove what killed runs left behind, provider by provider.
import { excerpt, InputError, messageOf } from '../errors.ts';
import { createLogger } from '../log.ts';
import { expectPositionals } from './args.ts';
import { removeStaleLocks } from './run-checks.ts';
import type { Command } from './main.ts';

const usage = `usage: netpol-conformance clean [--run <prefix>] [--force] [--provider netns|kind]

Removes leftovers of runs that were killed before their teardown:
  netns: processes carrying the run marker or living in a run's namespaces, the network
         namespaces named nc<6 hex>-*, and their state under /run/netpol-conformance.
         Runs whose harness is still alive are left alone unless --force.
  kind:  clusters and containers labelled by the harness.

  --run <prefix>      only this run (the nc<6 hex> prefix of its namespaces, or its run id)
  --force             also remove runs whose harness process is still running
  --provider <p>      only this provider's leftovers (default: all)`;

interface Sweep {
  provider: 'netns' | 'kind';
  run(options: { runId?: string; force: boolean; log: (line: string) => void }): Promise<string[]>;
}

const sweeps: Sweep[] = [
  {
    provider: 'netns',
    async run({ runId, force, log }) {
      if (process.getuid?.() !== 0) return ['netns: skipped (needs root)'];
      const { cleanNetns, resourcePrefix } = await import('../cluster/netns/index.ts');
      const report = await cleanNetns({ ...(runId ? { only: resourcePrefix(runId) } : {}), force, log });
      return [
        `netns: ${report.processes} processes, ${report.namespaces.length} namespaces, ${report.stateDirs.length} state dirs removed` +
          (report.skippedLiveRuns.length ? `; live runs left alone: ${report.skippedLiveRuns.join(', ')}` : ''),
      ];
    },
  },
  {
    provider: 'kind',
    async run({ runId, log }) {
      const { sweepKind } = await import('../cluster/kind/index.ts');
      const result = await sweepKind({ ...(runId ? { runId } : {}), log: createLogger('clean:kind') });
      for (const e of result.errors) log(`kind: ${e}`);
      if (result.skipped) return [`kind: skipped (${result.skipped})`];
      return [`kind: ${result.removed.length} removed${result.removed.length ? `: ${result.removed.join(', ')}` : ''}`];
    },
  },
];

const options = { run: { type: 'string' }, provider: { type: 'string' }, force: { type: 'boolean' } } as const;

export const command: Command<typeof options> = {
  summary: 'remove everything a killed run left behind',
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('clean', positionals, 0, 0, 'no arguments');
    const provider = values.provider;
    if (provider !== undefined && !sweeps.some((s) => s.provider === provider)) {
      throw new InputError(`unknown provider ${excerpt(provider)}; use netns or kind`);
    }
    if (values.run !== undefined && !/^(?:[a-z0-9]{1,8}|nc[0-9a-f]{6})$/.test(values.run)) {
      throw new InputError(`--run ${excerpt(values.run)} is neither a run id (1 to 8 lowercase letters or digits) nor a resource prefix (nc and 6 hex digits)`);
    }
    const log = createLogger('clean');
    let failed = false;
    for (const sweep of sweeps) {
      if (provider !== undefined && sweep.provider !== provider) continue;
      try {
        const lines = await sweep.run({
          ...(values.run !== undefined ? { runId: values.run } : {}),
          force: values.force === true,
          log: (line) => log.info(line),
        });
        for (const line of lines) process.stdout.write(line + '\n');
      } catch (e) {
        failed = true;
        process.stderr.write(`${sweep.provider}: ${messageOf(e)}\n`);
      }
    }
    // The run id locks of killed runs (lib/cli/run-checks.ts), which would otherwise be taken over.
    const locks = removeStaleLocks(values.run);
    if (locks.length > 0) process.stdout.write(`run id locks of killed runs removed: ${locks.join(', ')}\n`);
    return failed ? 1 : 0;
  },
};
