// Reads a recipe file's YAML strictly: every problem is an InputError naming the file and the
// path of the offending field (e.g. `recipes/06-x.yaml: pods[2].serve[0].port: ...`).
import { excerpt, InputError } from '../errors.ts';
import type { Labels } from '../model/types.ts';
import { Location, readLabels } from '../scenario/index.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Thrown for the first problem found; `file: path: message`. */
export class RecipeReader {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw new InputError(`${this.file}: ${path ? `${path}: ` : ''}${message}`, { at: { file: this.file, path } });
  }

  /** An object with only the allowed keys; `required` ones must be present. */
  object(value: unknown, path: string, allowed: readonly string[], required: readonly string[] = []): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `expected a mapping, got ${describe(value)}`);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
    }
    for (const key of required) {
      if (record[key] === undefined || record[key] === null) this.fail(join(path, key), 'required field is missing');
    }
    return record;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list, got ${describe(value)}`);
    return value;
  }

  optionalArray(value: unknown, path: string): unknown[] {
    return value === undefined || value === null ? [] : this.array(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, `expected a non-empty string, got ${describe(value)}`);
    return value;
  }

  name(value: unknown, path: string): string {
    const name = this.string(value, path);
    if (!dnsLabel.test(name) || name.length > 63) this.fail(path, `"${name}" is not a DNS label (lowercase letters, digits, "-")`);
    return name;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  port(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
      this.fail(path, `expected a port number 1-65535, got ${describe(value)}`);
    }
    return value;
  }

  /** Label syntax is checked as the API server does (the scenario validator's readLabels). */
  labels(value: unknown, path: string): Labels {
    if (value === undefined || value === null) return {};
    return readLabels(value, this.at(path));
  }

  at(path: string): Location {
    return new Location(this.file, path);
  }

  /** A string or a list of strings, always returned as a non-empty list. */
  list(value: unknown, path: string): string[] {
    const items = typeof value === 'string' ? [value] : this.array(value, path);
    if (items.length === 0) this.fail(path, 'expected at least one entry');
    return items.map((item, i) => this.string(item, `${path}[${i}]`));
  }
}

export function join(path: string, key: string): string {
  const step = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/.test(key) ? key : `[${excerpt(key, 40)}]`;
  return path === '' ? step : step.startsWith('[') ? path + step : `${path}.${step}`;
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${excerpt(value)}`;
}
