// Strict readers for decoded YAML: the wrong type or an unknown field is an error at its path,
// as the API server's strict field validation does for unknown fields.
import { excerpt } from '../errors.ts';
import type { Location } from './location.ts';

/** Kubernetes decodes `field: null` like an absent field; so do we. */
export function isAbsent(value: unknown): value is undefined | null {
  return value === undefined || value === null;
}

export function readObject(value: unknown, at: Location, allowedKeys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) at.fail(`must be a mapping, got ${describe(value)}`);
  const object = value as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!allowedKeys.includes(key)) at.key(key).fail(`unknown field (allowed: ${allowedKeys.join(', ')})`);
  }
  return object;
}

export function readList(value: unknown, at: Location): unknown[] {
  if (!Array.isArray(value)) at.fail(`must be a list, got ${describe(value)}`);
  return value;
}

export function readString(value: unknown, at: Location): string {
  if (typeof value !== 'string') at.fail(`must be a string, got ${describe(value)}`);
  return value;
}

export function readInteger(value: unknown, at: Location): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) at.fail(`must be an integer, got ${describe(value)}`);
  return value;
}

/** A string-to-string mapping (labels, annotations) whose keys and values the caller checks. */
export function readStringMap(value: unknown, at: Location): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) at.fail(`must be a mapping, got ${describe(value)}`);
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    result[key] = readString(entry, at.key(key));
  }
  return result;
}

export function required(object: Record<string, unknown>, key: string, at: Location): unknown {
  const value = object[key];
  if (isAbsent(value)) at.key(key).fail('required value');
  return value;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${excerpt(value)}`;
}
