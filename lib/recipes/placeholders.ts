// `{{external:<name>}}` in a policy stands for the IPv4 address the provider gives external host
// <name> (e.g. `cidr: "{{external:outside}}/32"`), `{{external:<name>:IPv6}}` for its IPv6
// address (`cidr: "{{external:outside:IPv6}}/128"`); they are resolved when the recipe is planned.
import type { IpFamily } from '../model/types.ts';

const placeholder = /\{\{external:([^}:]*)(?::([^}]*))?\}\}/g;

export interface PlaceholderUse {
  name: string;
  /** As written after the second colon; absent for the IPv4 form. */
  family?: string;
}

/** The external hosts (and families) a value's strings refer to. */
export function placeholderUses(value: unknown): PlaceholderUse[] {
  const uses = new Map<string, PlaceholderUse>();
  mapStrings(value, (text) => {
    for (const match of text.matchAll(placeholder)) {
      const use: PlaceholderUse = { name: match[1] ?? '' };
      if (match[2] !== undefined) use.family = match[2];
      uses.set(`${use.name}:${use.family ?? ''}`, use);
    }
    return text;
  });
  return [...uses.values()];
}

/** Names of the external hosts a value's strings refer to. */
export function externalPlaceholders(value: unknown): string[] {
  return [...new Set(placeholderUses(value).map((u) => u.name))];
}

/** A host's address of a family, when known. */
export type AddressLookup = (name: string, family: IpFamily) => string | undefined;

/** A copy of value with every placeholder replaced by its host's address of the family it names. */
export function resolvePlaceholders<T>(value: T, addresses: Record<string, string> | AddressLookup): T {
  const lookup: AddressLookup = typeof addresses === 'function' ? addresses : (name, family) => (family === 'IPv4' ? addresses[name] : undefined);
  return mapStrings(value, (text) =>
    text.replace(placeholder, (whole, name: string, family: string | undefined) => {
      if (family !== undefined && family !== 'IPv6') return whole;
      return lookup(name, family === 'IPv6' ? 'IPv6' : 'IPv4') ?? whole;
    }),
  );
}

/**
 * The address used for external host number `index` while its real one is unknown (listing the
 * catalog, validating a file, a cluster without that family): TEST-NET-3 or the IPv6
 * documentation prefix, never routed, so it can't be mistaken for a real host.
 */
export function placeholderAddress(index: number, family: IpFamily = 'IPv4'): string {
  return family === 'IPv6' ? `2001:db8::${10 + index}` : `203.0.113.${10 + index}`;
}

/** A deep copy of value with `map` applied to every string in it. */
export function mapStrings<T>(value: T, map: (text: string) => string): T {
  if (typeof value === 'string') return map(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => mapStrings(item, map)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, map)])) as T;
  }
  return value;
}
