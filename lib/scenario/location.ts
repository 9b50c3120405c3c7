// Where in which file a value sits, so every validation error names both:
// `scenario.yaml: policies[0].spec.ingress[1].from[0]: ipBlock cannot be combined with podSelector`.
import { excerpt, InputError } from '../errors.ts';

export class Location {
  /** `file` is omitted when the caller's path already says where the value came from. */
  constructor(
    readonly file: string | undefined,
    readonly path = '',
  ) {}

  /** A plain string is a path with no file, e.g. "recipes/deny-all.yaml: policies[0]". */
  static of(at: Location | string): Location {
    return typeof at === 'string' ? new Location(undefined, at) : at;
  }

  key(name: string): Location {
    // A key is input too: an odd or huge one is quoted and cut.
    const step = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/.test(name) ? name : `[${excerpt(name, 40)}]`;
    return new Location(this.file, this.path === '' ? step : step.startsWith('[') ? this.path + step : `${this.path}.${step}`);
  }

  index(i: number): Location {
    return new Location(this.file, `${this.path}[${i}]`);
  }

  error(message: string): InputError {
    const where = [this.file, this.path].filter((part) => part !== undefined && part !== '').join(': ');
    // One line: callers print it to stderr as is.
    return new InputError(`${where === '' ? '' : `${where}: `}${message}`.replace(/\s*\n\s*/g, ' '), { at: { file: this.file, path: this.path } });
  }

  fail(message: string): never {
    throw this.error(message);
  }

  toString(): string {
    return this.path;
  }
}
