// `{{external:<name>}}` in a policy stands for the address the provider gives external host
// <name> (e.g. `cidr: "{{external:outside}}/32"`); it is resolved when the recipe is planned.

const placeholder = /\{\{external:([^}]*)\}\}/g;

/** Names of the external hosts a value's strings refer to. */
export function externalPlaceholders(value: unknown): string[] {
  const names = new Set<string>();
  mapStrings(value, (text) => {
    for (const match of text.matchAll(placeholder)) names.add(match[1] ?? '');
    return text;
  });
  return [...names];
}

/** A copy of value with every placeholder replaced by its host's address. */
export function resolvePlaceholders<T>(value: T, addresses: Record<string, string>): T {
  return mapStrings(value, (text) => text.replace(placeholder, (whole, name: string) => addresses[name] ?? whole));
}

/**
 * The address used for external host number `index` while its real one is unknown (listing the
 * catalog, validating a file): TEST-NET-3, never routed, so it can't be mistaken for a real host.
 */
export function placeholderAddress(index: number): string {
  return `203.0.113.${10 + index}`;
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
