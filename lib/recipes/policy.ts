// Recipe policies are validated by the scenario validator (the API server's rules plus strict
// fields, Calico's for Calico resources); only the `{{external:<name>}}` placeholders are the
// catalog's own.
import { isCalicoTier } from '../model/calico.ts';
import type { PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy, namespaceOf } from '../model/types.ts';
import { Location, validatePolicyResource } from '../scenario/index.ts';
import { externalPlaceholders, mapStrings, placeholderAddress, resolvePlaceholders } from './placeholders.ts';

/**
 * Validates `value` with each placeholder standing in for a documentation address, then puts the
 * placeholders back, so the recipe keeps them for plan time. `externals` are the recipe's host names.
 */
export function validateRecipePolicy(value: unknown, file: string, path: string, externals: string[]): PolicyResource {
  const sentinels = Object.fromEntries(externals.map((name, i) => [name, placeholderAddress(i)]));
  const policy = validatePolicyResource(resolvePlaceholders(value, sentinels), new Location(file, path));
  if (externalPlaceholders(value).length === 0) return policy;
  const back = Object.entries(sentinels).map(([name, address]) => [new RegExp(`^${address.replaceAll('.', '\\.')}(?=/)`), `{{external:${name}}}`] as const);
  return mapStrings(policy, (text) => back.reduce((acc, [pattern, placeholder]) => acc.replace(pattern, placeholder), text));
}

const SHORT_KINDS: Record<string, string> = {
  NetworkPolicy: 'np',
  GlobalNetworkPolicy: 'gnp',
  StagedNetworkPolicy: 'snp',
  StagedGlobalNetworkPolicy: 'sgnp',
};

/**
 * How listings and reports name a policy resource: "ns/name" for a Kubernetes NetworkPolicy (as
 * the oracle's verdicts do), "np:ns/name" / "gnp:name" (and "snp:", "sgnp:") for Calico's, "tier:name".
 */
export function policyLabel(resource: PolicyResource): string {
  const namespace = namespaceOf(resource);
  const name = `${namespace === undefined ? '' : `${namespace}/`}${resource.metadata.name}`;
  if (isKubernetesNetworkPolicy(resource)) return name;
  if (isCalicoTier(resource)) return `tier:${name}`;
  return `${SHORT_KINDS[resource.kind] ?? resource.kind}:${name}`;
}
