// Command-line options through node:util parseArgs in strict mode, with one-line errors of our
// own: Node's messages are long and suggest fixes in Node's terms, not the harness's.
import { parseArgs } from 'node:util';
import { excerpt, InputError } from '../errors.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Repeatable: every value is kept, in order. */
  multiple?: boolean;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** What parseArgs gives for each option: string, boolean, or a list of them when repeatable. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['type'] extends 'string' ? (O[K]['multiple'] extends true ? string[] : string) : boolean;
};

export interface ParsedCommandLine<O extends OptionSpecs> {
  values: OptionValues<O>;
  positionals: string[];
  /** `--help` or `-h` was given as an option (not as another option's value). */
  help: boolean;
}

/**
 * Parses `args` for `command`. Unknown options, a boolean given a value (`--json=yes`), a string
 * option without a value or followed by another option (`--recipe --help`), an empty value and
 * a non-repeatable option given twice are InputErrors naming the option.
 */
export function parseCommandLine<O extends OptionSpecs>(command: string, args: string[], options: O): ParsedCommandLine<O> {
  const config = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  const { tokens } = parseArgs({ args, options: config, strict: false, allowPositionals: true, tokens: true });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help' && !('help' in options))) {
    return { values: {}, positionals: [], help: true };
  }
  const seeHelp = `see \`netpol-conformance ${command} --help\``;
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    const flag = token.rawName;
    if (spec === undefined) throw new InputError(`unknown option ${excerpt(flag, 40)}; ${seeHelp}`);
    if (spec.type === 'boolean') {
      if (token.inlineValue) throw new InputError(`${flag} takes no value (got ${excerpt(token.value)}); give ${flag} alone`);
    } else if (token.value === undefined) {
      throw new InputError(`${flag} needs a value; ${seeHelp}`);
    } else if (!token.inlineValue && token.value.startsWith('-')) {
      throw new InputError(`${flag} needs a value but is followed by ${excerpt(token.value, 40)}; give ${flag}=<value> for a value that starts with "-"`);
    } else if (token.value === '') {
      throw new InputError(`${flag} needs a value, got an empty one`);
    }
    if (seen.has(token.name) && spec.multiple !== true) throw new InputError(`${flag} is given more than once; give it once`);
    seen.add(token.name);
  }
  // Strict mode agrees with the checks above; it stays as the guard that nothing slipped by.
  const strict = parseArgs({ args, options, strict: true, allowPositionals: true });
  return { values: strict.values as OptionValues<O>, positionals: strict.positionals, help: false };
}

/** Refuses positionals beyond `max` or short of `min`, naming what the command takes. */
export function expectPositionals(command: string, positionals: string[], min: number, max: number, what: string): void {
  if (positionals.length >= min && positionals.length <= max) return;
  if (positionals.length > max && max === 0) {
    throw new InputError(`unexpected argument ${excerpt(positionals[0])}: \`netpol-conformance ${command}\` takes options only; see --help`);
  }
  throw new InputError(`expected ${what}, got ${positionals.length} argument${positionals.length === 1 ? '' : 's'}; see \`netpol-conformance ${command} --help\``);
}

/** A repeatable, comma-separated option: `--recipe 01 --recipe 02a,06` -> ['01', '02a', '06']. */
export function commaList(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

/**
 * A number option within [min, max], written in plain decimal (`1.5`, `60`): what `Number()`
 * would also take (`1e12`, `0x10`, `''`) is refused.
 */
export function numberOption(flag: string, value: string, range: { min: number; max: number; unit?: string; integer?: boolean }): number {
  const unit = range.unit ? ` ${range.unit}` : '';
  const kind = range.integer ? 'a whole number' : 'a number';
  const pattern = range.integer ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const number = pattern.test(value) ? Number(value) : NaN;
  if (!(number >= range.min && number <= range.max)) {
    throw new InputError(`${flag} must be ${kind} from ${range.min} to ${range.max}${unit}, got ${excerpt(value, 30)}`);
  }
  return number;
}
