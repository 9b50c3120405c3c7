// Recipe policies are validated by the scenario validator (the API server's rules plus strict
// fields); only the `{{external:<name>}}` placeholders are the catalog's own.
import type { NetworkPolicy } from '../model/types.ts';
import { Location, validateNetworkPolicy } from '../scenario/index.ts';
import { externalPlaceholders, mapStrings, placeholderAddress, resolvePlaceholders } from './placeholders.ts';

/**
 * Validates `value` with each placeholder standing in for a documentation address, then puts the
 * placeholders back, so the recipe keeps them for plan time. `externals` are the recipe's host names.
 */
export function validateRecipePolicy(value: unknown, file: string, path: string, externals: string[]): NetworkPolicy {
  const sentinels = Object.fromEntries(externals.map((name, i) => [name, placeholderAddress(i)]));
  const policy = validateNetworkPolicy(resolvePlaceholders(value, sentinels), new Location(file, path));
  if (externalPlaceholders(value).length === 0) return policy;
  const back = Object.entries(sentinels).map(([name, address]) => [new RegExp(`^${address.replaceAll('.', '\\.')}(?=/)`), `{{external:${name}}}`] as const);
  return mapStrings(policy, (text) => back.reduce((acc, [pattern, placeholder]) => acc.replace(pattern, placeholder), text));
}
