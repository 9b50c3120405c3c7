// `netpol-conformance run`: the main job. Validates the options and runs the catalog through the
// run engine (lib/run/catalog.ts), the same engine the catalog spec drives under `npm test`.
import { InputError } from '../errors.ts';
import { renderConsoleSummary } from '../report/console.ts';
import { runCatalog } from '../run/catalog.ts';
import { blockedByValues, dataplanes, defaultConcurrency, defaultRunOptions, ipFamilyModes, providers, type RunOptions } from '../run/options.ts';
import type { Command } from './main.ts';
import { parseArgs } from './main.ts';

const usage = `usage: netpol-conformance run [options]

Provisions a cluster running Calico, runs every recipe of the catalog (deploy fixtures, probe
before the policies, apply them, wait until felix enforces them, probe again with counters),
and writes reports/<run-id>/{report.json,junit.xml,report.html,summary.md}.

  --provider <p>             ${providers.join(' | ')} (default netns)
  --calico <version>         Calico version from versions.json (default: its calico.default)
  --dataplane <d>            ${dataplanes.join(' | ')} (default iptables-nft)
  --ip-family <f>            ${ipFamilyModes.join(' | ')}: IPv4 pods, or IPv4 and IPv6 pods probed over both
                             families (default: netns dual, kind ipv4)
  --recipe <id>              run only this recipe; repeat or comma-separate for several
  --grep <regexp>            run only the probes whose "<recipe id>: <title> <probe id>" matches
  --concurrency <n>          recipes run side by side (default ${defaultConcurrency}; 1 runs them one by one)
  --blocked-by <how>         ${blockedByValues.join(' | ')}: end a blocked probe when a Calico drop of its
                             own endpoint counted it (default), or always wait out the connect timeout
  --felix-setting <K=V>      set a FelixConfiguration field, e.g. DefaultEndpointToHostAction=Accept; repeatable
  --calico-resources <file> apply the objects in this YAML file (e.g. a Calico Tier or
                             FelixConfiguration) once the cluster is ready; repeatable
  --connect-timeout <s>      seconds a probe waits before calling a flow blocked (default 2)
  --reports <dir>            where run directories go (default reports)
  --run-id <id>              name the run (default: random)
  --deadline <minutes>       abort the run after this long (default 60)
  --keep-cluster-on-failure  leave the cluster up when a probe failed, and print how to reach it
  --images local|registry    kind: the images \`netpol-conformance images\` built (nothing is pulled), or
                             the published ones (default: local when they are built)
  --registry-mirror <prefix> kind: pull every image through this registry mirror
  --preload-images           kind: \`kind load docker-image\` the fixture images from the local Docker

Exit status: 0 every probe passed, 1 a probe failed, 2 bad input, 3 a missing prerequisite.`;

export const command: Command = {
  summary: 'run the recipe catalog on a cluster and write reports',
  usage,
  async run(args) {
    const { exitCode, problems, report, written } = await runCatalog(parseRunArgs(args));
    process.stderr.write(renderConsoleSummary(report, written.dir) + '\n');
    for (const problem of problems.slice(0, 20)) process.stderr.write(`FAIL ${problem}\n`);
    if (problems.length > 20) process.stderr.write(`... and ${problems.length - 20} more (see the report)\n`);
    return exitCode;
  },
};

const runStringFlags = ['images', 'registry-mirror', 'provider', 'calico', 'dataplane', 'recipe', 'grep', 'felix-setting', 'calico-resources', 'connect-timeout', 'reports', 'run-id', 'deadline', 'concurrency', 'blocked-by', 'ip-family'];
const runBooleanFlags = ['keep-cluster-on-failure', 'preload-images'];

export function parseRunArgs(args: string[]): RunOptions {
  const options = defaultRunOptions();
  const { flags, positionals } = parseArgs(args, { strings: runStringFlags, booleans: runBooleanFlags });
  if (positionals.length > 0) throw new InputError(`unexpected argument "${positionals[0]}"; see --help`);
  if (typeof flags.provider === 'string') options.provider = flags.provider as RunOptions['provider'];
  if (typeof flags.calico === 'string') options.calicoVersion = flags.calico;
  if (typeof flags.dataplane === 'string') options.dataplane = flags.dataplane as RunOptions['dataplane'];
  if (typeof flags.reports === 'string') options.reportsDir = flags.reports;
  if (typeof flags['run-id'] === 'string') {
    if (!/^[a-z0-9]{1,8}$/.test(flags['run-id'])) throw new InputError('--run-id must be 1 to 8 lowercase letters or digits');
    options.runId = flags['run-id'];
  }
  if (typeof flags['connect-timeout'] === 'string') options.connectSeconds = Number(flags['connect-timeout']);
  if (typeof flags.deadline === 'string') {
    options.deadlineMinutes = Number(flags.deadline);
    if (!(options.deadlineMinutes > 0)) throw new InputError('--deadline must be a positive number of minutes');
  }
  options.keepClusterOnFailure = flags['keep-cluster-on-failure'] === true;
  options.preloadImages = flags['preload-images'] === true;
  if (typeof flags['registry-mirror'] === 'string') options.registryMirror = flags['registry-mirror'];
  if (typeof flags.grep === 'string') options.grep = flags.grep;
  if (typeof flags.concurrency === 'string') options.concurrency = Number(flags.concurrency);
  if (typeof flags['blocked-by'] === 'string') options.blockedBy = flags['blocked-by'] as RunOptions['blockedBy'];
  if (typeof flags['ip-family'] === 'string') options.ipFamily = flags['ip-family'] as RunOptions['ipFamily'];
  if (flags.images !== undefined) {
    if (flags.images !== 'local' && flags.images !== 'registry') throw new InputError(`--images must be local or registry, got "${String(flags.images)}"`);
    options.images = flags.images;
  }
  options.recipes = repeatedFlag(args, 'recipe').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  options.calicoResources = repeatedFlag(args, 'calico-resources');
  for (const setting of repeatedFlag(args, 'felix-setting')) {
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new InputError(`--felix-setting "${setting}" must be Field=value`);
    options.felixSettings[setting.slice(0, eq)] = setting.slice(eq + 1);
  }
  return options;
}

/** Every value of a repeatable flag (`--x a --x=b`); parseArgs keeps only the last. */
export function repeatedFlag(args: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === `--${name}`) values.push(args[i + 1] ?? '');
    else if (arg.startsWith(`--${name}=`)) values.push(arg.slice(name.length + 3));
  }
  if (values.some((v) => v === '')) throw new InputError(`--${name} needs a value`);
  return values;
}
