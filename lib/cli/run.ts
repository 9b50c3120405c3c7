// `netpol-conformance run`: the main job. Parses and checks everything first (options, --grep,
// the reports directory, the provider's prerequisites, the run id), then runs the catalog through
// the run engine (lib/run/catalog.ts), the same engine the catalog spec drives under `npm test`.
import { excerpt, InputError } from '../errors.ts';
import { createRootSignal } from '../lifecycle/index.ts';
import { renderConsoleSummary } from '../report/console.ts';
import { runCatalog } from '../run/catalog.ts';
import { checkProviderPrerequisites, newRunId } from '../run/session.ts';
import {
  blockedByValues,
  dataplanes,
  defaultConcurrency,
  defaultRunOptions,
  maxDeadlineMinutes,
  providers,
  validateRunOptions,
  type RunOptions,
} from '../run/options.ts';
import { commaList, expectPositionals, numberOption, parseCommandLine, type OptionValues } from './args.ts';
import type { Command } from './main.ts';
import { checkReportsDir, lockRunId } from './run-checks.ts';

const usage = `usage: netpol-conformance run [options]

Provisions a cluster running Calico, runs every recipe of the catalog (deploy fixtures, probe
before the policies, apply them, wait until felix enforces them, probe again with counters),
and writes reports/<run-id>/{report.json,junit.xml,report.html,summary.md}.

  --provider <p>             ${providers.join(' | ')} (default netns)
  --calico <version>         Calico version from versions.json (default: its calico.default)
  --dataplane <d>            ${dataplanes.join(' | ')} (default iptables-nft)
  --recipe <id>              run only this recipe; repeat or comma-separate for several
  --catalog <dir>            run the recipes in <dir> (every *.yaml; format: docs/recipes.md)
                             instead of the built-in recipes/
  --grep <regexp>            run only the probes whose "<recipe id>: <title> <probe id>" matches
                             (a pattern, or /pattern/flags)
  --concurrency <n>          recipes run side by side (default ${defaultConcurrency}; 1 runs them one by one)
  --blocked-by <how>         ${blockedByValues.join(' | ')}: end a blocked probe when a Calico drop of its
                             own endpoint counted it (default), or always wait out the connect timeout
  --felix-setting <K=V>      set a FelixConfiguration field, e.g. DefaultEndpointToHostAction=Accept; repeatable
  --calico-resources <file>  apply the objects in this YAML file (e.g. a Calico Tier or
                             FelixConfiguration) once the cluster is ready; repeatable
  --connect-timeout <s>      seconds a probe waits before calling a flow blocked (1 to 30, default 2)
  --reports <dir>            where run directories go (default reports); must be new, empty or
                             hold only earlier runs
  --run-id <id>              name the run: 1 to 8 lowercase letters or digits (default: random)
  --deadline <minutes>       abort the run after this long (at most ${maxDeadlineMinutes}, default 60)
  --keep-cluster-on-failure  leave the cluster up when a probe failed, and print how to reach it
  --images local|registry    kind: the images \`netpol-conformance images\` built (nothing is pulled), or
                             the published ones (default: local when they are built)
  --registry-mirror <prefix> kind: pull every image through this registry mirror
  --preload-images           kind: \`kind load docker-image\` the fixture images from the local Docker

Exit status: 0 every probe passed, 1 a probe failed, 2 bad input, 3 a missing prerequisite,
4 an infrastructure failure, 130 interrupted. Bad input and missing prerequisites are found
before anything is created or written.`;

export const runOptionSpecs = {
  provider: { type: 'string' },
  calico: { type: 'string' },
  dataplane: { type: 'string' },
  recipe: { type: 'string', multiple: true },
  catalog: { type: 'string' },
  grep: { type: 'string' },
  'felix-setting': { type: 'string', multiple: true },
  'calico-resources': { type: 'string', multiple: true },
  'connect-timeout': { type: 'string' },
  reports: { type: 'string' },
  'run-id': { type: 'string' },
  deadline: { type: 'string' },
  'keep-cluster-on-failure': { type: 'boolean' },
  images: { type: 'string' },
  'registry-mirror': { type: 'string' },
  'preload-images': { type: 'boolean' },
  concurrency: { type: 'string' },
  'blocked-by': { type: 'string' },
} as const;

/** A run as the command line asks for it (--grep is one of the options). */
export interface RunRequest {
  options: RunOptions;
}

export const command: Command<typeof runOptionSpecs> = {
  summary: 'run the recipe catalog on a cluster and write reports',
  usage,
  options: runOptionSpecs,
  async run({ values, positionals }) {
    expectPositionals('run', positionals, 0, 0, 'no arguments');
    const { options } = checkRunInput(runRequestFrom(values));
    using _lock = lockRunId(options.runId!);
    await checkPrerequisites(options);
    // Awaited here: `using` releases the lock when this block is left, and a returned promise
    // would leave it before the run is over.
    const { exitCode, problems, report, written } = await runCatalog(options);
    process.stderr.write(renderConsoleSummary(report, written.dir) + '\n');
    for (const problem of problems.slice(0, 20)) process.stderr.write(`FAIL ${problem}\n`);
    if (problems.length > 20) process.stderr.write(`... and ${problems.length - 20} more (see the report)\n`);
    return exitCode;
  },
};

/** `run`'s arguments as a RunRequest (the options' syntax only; see checkRunRequest). */
export function parseRunArgs(args: string[]): RunRequest {
  const { values, positionals, help } = parseCommandLine('run', args, runOptionSpecs);
  if (help) throw new InputError('--help is not a run option here');
  expectPositionals('run', positionals, 0, 0, 'no arguments');
  return runRequestFrom(values);
}

export function runRequestFrom(values: OptionValues<typeof runOptionSpecs>): RunRequest {
  const options = defaultRunOptions();
  if (values.provider !== undefined) options.provider = values.provider as RunOptions['provider'];
  if (values.calico !== undefined) options.calicoVersion = values.calico;
  if (values.dataplane !== undefined) options.dataplane = values.dataplane as RunOptions['dataplane'];
  if (values.reports !== undefined) options.reportsDir = values.reports;
  if (values.catalog !== undefined) options.catalogDir = values.catalog;
  if (values['run-id'] !== undefined) {
    if (!/^[a-z0-9]{1,8}$/.test(values['run-id'])) throw new InputError(`--run-id must be 1 to 8 lowercase letters or digits, got ${excerpt(values['run-id'], 40)}`);
    options.runId = values['run-id'];
  }
  if (values['connect-timeout'] !== undefined) {
    options.connectSeconds = numberOption('--connect-timeout', values['connect-timeout'], { min: 1, max: 30, unit: 'seconds' });
  }
  if (values.deadline !== undefined) {
    options.deadlineMinutes = numberOption('--deadline', values.deadline, { min: 0.1, max: maxDeadlineMinutes, unit: 'minutes' });
  }
  options.keepClusterOnFailure = values['keep-cluster-on-failure'] === true;
  options.preloadImages = values['preload-images'] === true;
  if (values['registry-mirror'] !== undefined) options.registryMirror = values['registry-mirror'];
  if (values.images !== undefined) {
    if (values.images !== 'local' && values.images !== 'registry') throw new InputError(`--images must be local or registry, got ${excerpt(values.images, 40)}`);
    options.images = values.images;
  }
  if (values.concurrency !== undefined) options.concurrency = numberOption('--concurrency', values.concurrency, { min: 1, max: 32, unit: 'recipes', integer: true });
  if (values['blocked-by'] !== undefined) options.blockedBy = values['blocked-by'] as RunOptions['blockedBy'];
  if (values.grep !== undefined) options.grep = values.grep;
  options.recipes = commaList(values.recipe);
  options.calicoResources = values['calico-resources'] ?? [];
  for (const setting of values['felix-setting'] ?? []) {
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new InputError(`--felix-setting ${excerpt(setting, 60)} must be Field=value, e.g. DefaultEndpointToHostAction=Accept`);
    options.felixSettings[setting.slice(0, eq)] = setting.slice(eq + 1);
  }
  return { options };
}

/**
 * The input checks a run makes before it creates or writes anything: the options, --grep and
 * the reports directory. Returns the request with the defaults filled in, the run id included.
 */
export function checkRunInput(request: RunRequest): RunRequest {
  const { options } = validateRunOptions(request.options);
  const runId = options.runId ?? newRunId();
  checkReportsDir(options.reportsDir, runId);
  return { ...request, options: { ...options, runId } };
}

/** The provider's prerequisites (root, programs, Docker, ...): a PrerequisiteError, exit 3. */
export async function checkPrerequisites(options: RunOptions): Promise<void> {
  using root = createRootSignal();
  await checkProviderPrerequisites(options, root.signal);
}
