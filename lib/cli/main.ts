// The `netpol-conformance` command line: dispatches to one module per command and maps
// errors to exit codes in one place.
import { InputError, isHarnessError, messageOf } from '../errors.ts';

export interface Command {
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

// Commands load lazily so `expect` never pays for the cluster code `run` needs.
const commandNames = ['expect', 'recipes', 'run', 'compare', 'gate', 'clean', 'build', 'images', 'bench'] as const;

async function loadCommand(name: string): Promise<Command> {
  const module = (await import(`./${name}.ts`)) as { command: Command };
  return module.command;
}

function usage(): string {
  return [
    'usage: netpol-conformance <command> [options]',
    '',
    'commands:',
    '  run       run the recipe catalog on a cluster and write reports (the main job)',
    '  expect    print what a scenario file\'s policies allow, from the NetworkPolicy oracle',
    '  recipes   list the recipe catalog with expected results',
    '  compare   compare two report.json files (release gate)',
    '  gate      run a baseline and a candidate Calico and compare them',
    '  clean     remove everything a killed run left behind',
    '  build     build and cache the upstream binaries (and Calico from a source tree)',
    '  images    build the kind node, Kubernetes, Calico and fixture images offline',
    '  bench     run the benchmarks',
    '',
    'Run `netpol-conformance <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (!(commandNames as readonly string[]).includes(name)) {
    process.stderr.write(`netpol-conformance: unknown command "${name}"; run \`netpol-conformance --help\` for the list\n`);
    return 2;
  }
  try {
    const command = await loadCommand(name);
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(command.usage + '\n');
      return 0;
    }
    return await command.run(rest);
  } catch (e) {
    if (isHarnessError(e)) {
      process.stderr.write(`netpol-conformance ${name}: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`netpol-conformance ${name}: internal error: ${messageOf(e)}\n`);
    if (e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
    return 1;
  }
}

/** Parse `--flag value`, `--flag=value` and boolean `--flag` options; the rest are positionals. */
export function parseArgs(
  args: string[],
  spec: { booleans?: string[]; strings?: string[] },
): { flags: Record<string, string | boolean>; positionals: string[] } {
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  const booleans = new Set(spec.booleans ?? []);
  const strings = new Set(spec.strings ?? []);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const key = arg.slice(2, eq === -1 ? undefined : eq);
    if (booleans.has(key)) {
      flags[key] = eq === -1 ? true : arg.slice(eq + 1) !== 'false';
    } else if (strings.has(key)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined) throw new InputError(`option --${key} needs a value`);
      flags[key] = value;
    } else {
      throw new InputError(`unknown option --${key}; see --help`);
    }
  }
  return { flags, positionals };
}

const isEntry = process.argv[1] !== undefined && /(?:main\.ts|netpol-conformance(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    // Exit only once stdout has taken everything: a piped `--json` could otherwise be cut short.
    (code) => process.stdout.write('', () => process.exit(code)),
    (e: unknown) => {
      process.stderr.write(`netpol-conformance: ${messageOf(e)}\n`);
      process.exit(1);
    },
  );
}
