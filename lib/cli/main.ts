// The `netpol-conformance` command line: dispatches to one module per command, parses every
// command's options the same way (lib/cli/args.ts) and maps errors to exit codes in one place.
import { excerpt, isHarnessError, messageOf, oneLine } from '../errors.ts';
import { parseCommandLine, type OptionSpecs, type OptionValues } from './args.ts';

export interface Command<O extends OptionSpecs = OptionSpecs> {
  summary: string;
  usage: string;
  options: O;
  /** Runs with the parsed options; resolves to the exit status. */
  run(input: { values: OptionValues<O>; positionals: string[] }): Promise<number>;
}

// Commands load lazily so `expect` never pays for the cluster code `run` needs.
const commandNames = ['expect', 'recipes', 'run', 'compare', 'gate', 'clean', 'build', 'images', 'bench', 'soak'] as const;

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
    '  soak      run the catalog many times and report flaky probes',
    '',
    'Run `netpol-conformance <command> --help` for a command\'s options.',
    'Exit status: 0 success, 1 a probe failed or a regression, 2 bad input, 3 a missing',
    'prerequisite, 4 an infrastructure failure, 130 interrupted.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  if (name === undefined || !(commandNames as readonly string[]).includes(name)) {
    const what = name === undefined ? 'no command given' : `unknown command ${excerpt(name, 40)}`;
    process.stderr.write(`netpol-conformance: ${what}; run \`netpol-conformance --help\` for the list of commands\n`);
    return 2;
  }
  try {
    const command = await loadCommand(name);
    const { help, ...input } = parseCommandLine(name, rest, command.options);
    if (help) {
      process.stdout.write(command.usage + '\n');
      return 0;
    }
    return await command.run(input);
  } catch (e) {
    return reportError(name, e);
  }
}

/** One line on stderr for any error; the exit status its class stands for. */
function reportError(name: string, e: unknown): number {
  if (isHarnessError(e)) {
    process.stderr.write(`netpol-conformance ${name}: ${oneLine(e.message)}\n`);
    return e.exitCode;
  }
  // A bug in the harness, not the user's input: still one line, with the trace on request.
  const debug = process.env.NETPOL_LOG === 'debug';
  process.stderr.write(`netpol-conformance ${name}: internal error: ${oneLine(messageOf(e))}${debug ? '' : ' (NETPOL_LOG=debug prints the stack trace)'}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  return 1;
}

const isEntry = process.argv[1] !== undefined && /(?:main\.ts|netpol-conformance(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  main(process.argv.slice(2)).then(
    // Exit only once stdout has taken everything: a piped `--json` could otherwise be cut short.
    (code) => process.stdout.write('', () => process.exit(code)),
    (e: unknown) => {
      process.stderr.write(`netpol-conformance: ${oneLine(messageOf(e))}\n`);
      process.exit(1);
    },
  );
}
