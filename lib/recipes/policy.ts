// Recipe policies are validated by the scenario validator (the API server's rules plus strict
// fields, Calico's for Calico resources); only the `{{external:<name>}}` and
// `{{external:<name>:IPv6}}` placeholders are the catalog's own.
import { isCalicoTier } from '../model/calico.ts';
import type { IpFamily, PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy, namespaceOf } from '../model/types.ts';
import { Location, validatePolicyResource } from '../scenario/index.ts';
import { externalPlaceholders, mapStrings, placeholderAddress, resolvePlaceholders } from './placeholders.ts';

/**
 * Validates `value` with each placeholder standing in for a documentation address, then puts the
 * placeholders back, so the recipe keeps them for plan time. `externals` are the recipe's host names.
 */
export function validateRecipePolicy(value: unknown, file: string, path: string, externals: string[]): PolicyResource {
  const sentinel = (name: string, family: IpFamily): string | undefined => {
    const i = externals.indexOf(name);
    return i < 0 ? undefined : placeholderAddress(i, family);
  };
  const policy = validatePolicyResource(resolvePlaceholders(value, sentinel), new Location(file, path));
  if (externalPlaceholders(value).length === 0) return policy;
  const back = externals.flatMap((name, i) =>
    (['IPv4', 'IPv6'] as const).map(
      (family) =>
        [
          new RegExp(`^${placeholderAddress(i, family).replaceAll('.', '\\.')}(?=/)`),
          family === 'IPv4' ? `{{external:${name}}}` : `{{external:${name}:IPv6}}`,
        ] as const,
    ),
  );
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
