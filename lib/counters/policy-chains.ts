// Policy chain names <-> policies. Felix names a policy's chains
//   hash.GetLengthLimitedID("cali-pi-" | "cali-po-", <policy id>, max)
// (felix/rules/policy.go PolicyChainName; GetLengthLimitedID in libcalico-go/lib/hash/hash.go;
// iptables.MaxChainNameLength = 28; nftables' limit is long enough that the id is kept as it is).
// What <policy id> is, and the comment felix writes on the chain, changed between felix versions:
// `PolicyIdScheme` below is the one place that knows each version's spelling.
import { createHash } from 'node:crypto';
import type { CounterSnapshot } from './types.ts';
import { calicoChainName, chainRole } from './chains.ts';

export const MAX_CHAIN_NAME_LENGTH = 28;

export type PolicyDirection = 'ingress' | 'egress';

export type PolicyKind = 'KubernetesNetworkPolicy' | 'NetworkPolicy' | 'GlobalNetworkPolicy';

export interface PolicyRef {
  namespace: string;
  name: string;
  /** Calico tier; Kubernetes NetworkPolicies live in "default". */
  tier?: string;
  /** Defaults to KubernetesNetworkPolicy. */
  kind?: PolicyKind;
}

/** How felix spells the policy id it hashes into chain names, and the comment on the policy
 * chain's first rule:
 * - `tier-name` (felix up to v3.31): felix/rules/policy.go PolicyChainName hashes
 *   `polID.Tier + "/" + polID.Name`, where a namespaced policy's name is "<namespace>/<calico
 *   name>" and a Kubernetes NetworkPolicy's calico name is "knp.default.<name>"
 *   (libcalico-go/lib/backend/k8s/conversion); the chain comment is `Policy <polID.Name> ingress`.
 *   Seen on real felix v3.31.0 and v3.31.7 (lib/counters/testdata/felix-v3.31.*).
 * - `kind-namespace-name` (felix v3.32+): PolicyChainName hashes types.PolicyID.ID(),
 *   "<short kind>/<namespace>/<name>" (felix/types/policy_id.go: knp, np, gnp, ...), and a
 *   Kubernetes NetworkPolicy keeps its own name; the comment is `<Kind> <namespace>/<name> ingress`
 *   (felix/rules/policy.go PolicyToIptablesChains). Seen on real felix v3.32.1
 *   (lib/counters/testdata/felix-v3.32.1-*). */
export type PolicyIdScheme = 'tier-name' | 'kind-namespace-name';

export const POLICY_ID_SCHEMES: readonly PolicyIdScheme[] = ['kind-namespace-name', 'tier-name'];

/** Felix up to v3.31 saw a Kubernetes NetworkPolicy as the Calico policy "knp.default.<name>"
 * (libcalico-go/lib/names K8sNetworkPolicyNamePrefix). */
export const KNP_NAME_PREFIX = 'knp.default.';

const SHORT_KINDS: Record<PolicyKind, string> = {
  KubernetesNetworkPolicy: 'knp',
  NetworkPolicy: 'np',
  GlobalNetworkPolicy: 'gnp',
};

/** The scheme of a felix version ("v3.32.1", "v3.32.1-patched"); undefined when unparsable. */
export function schemeForVersion(calicoVersion: string): PolicyIdScheme | undefined {
  const m = /^v?(\d+)\.(\d+)/.exec(calicoVersion);
  if (!m) return undefined;
  return Number(m[1]) * 1000 + Number(m[2]) >= 3032 ? 'kind-namespace-name' : 'tier-name';
}

/** The policy's name as felix sees it under a scheme. */
export function felixPolicyName(policy: PolicyRef, scheme: PolicyIdScheme): string {
  const kind = policy.kind ?? 'KubernetesNetworkPolicy';
  if (kind !== 'KubernetesNetworkPolicy' || scheme === 'kind-namespace-name') return policy.name;
  return policy.name.startsWith(KNP_NAME_PREFIX) ? policy.name : KNP_NAME_PREFIX + policy.name;
}

function namespaceOf(policy: PolicyRef): string {
  return (policy.kind ?? 'KubernetesNetworkPolicy') === 'GlobalNetworkPolicy' ? '' : policy.namespace;
}

export function policyId(policy: PolicyRef, scheme: PolicyIdScheme): string {
  const kind = policy.kind ?? 'KubernetesNetworkPolicy';
  const name = felixPolicyName(policy, scheme);
  const ns = namespaceOf(policy);
  switch (scheme) {
    case 'tier-name':
      return `${policy.tier ?? 'default'}/${ns ? `${ns}/` : ''}${name}`;
    case 'kind-namespace-name':
      return ns ? `${SHORT_KINDS[kind]}/${ns}/${name}` : `${SHORT_KINDS[kind]}/${name}`;
  }
}

/** The comment felix puts on the first rule of the policy's chain for a direction. */
export function policyChainComment(policy: PolicyRef, direction: PolicyDirection, scheme: PolicyIdScheme): string {
  const ns = namespaceOf(policy);
  const name = felixPolicyName(policy, scheme);
  const qualified = ns ? `${ns}/${name}` : name;
  return scheme === 'tier-name' ? `Policy ${qualified} ${direction}` : `${policy.kind ?? 'KubernetesNetworkPolicy'} ${qualified} ${direction}`;
}

/** Port of hash.GetLengthLimitedID: the suffix as-is when it fits, else "_" plus the
 * URL-safe unpadded base64 of its SHA-256, cut to fit. */
export function lengthLimitedId(prefix: string, suffix: string, maxLength = MAX_CHAIN_NAME_LENGTH): string {
  const s = suffix.length === 0 ? '_' : suffix;
  // Go measures bytes, not UTF-16 units.
  const total = Buffer.byteLength(prefix) + Buffer.byteLength(s);
  if (total > maxLength || (total === maxLength && s.startsWith('_'))) {
    const hash = createHash('sha256').update(s).digest('base64url');
    return `${prefix}_${hash.slice(0, maxLength - 1 - Buffer.byteLength(prefix))}`;
  }
  return prefix + s;
}

/** The iptables chain name (nftables mode keeps the prefix plus the whole id). */
export function policyChainName(
  direction: PolicyDirection,
  policy: PolicyRef,
  calicoVersion: string,
  scheme: PolicyIdScheme = schemeForVersion(calicoVersion) ?? 'kind-namespace-name',
): string {
  return lengthLimitedId(direction === 'ingress' ? 'cali-pi-' : 'cali-po-', policyId(policy, scheme));
}

/** Profile chains hash the profile name alone (felix/rules/policy.go ProfileChainName);
 * Kubernetes profiles are "kns.<namespace>" and "ksa.<namespace>.<serviceaccount>". */
export function profileChainName(direction: PolicyDirection, profile: string): string {
  return lengthLimitedId(direction === 'ingress' ? 'cali-pri-' : 'cali-pro-', profile);
}

export interface PolicyChainResolution {
  chain: string;
  direction: PolicyDirection;
  policy: PolicyRef;
  /** "namespace/name" of the policy. */
  ref: string;
  /** `comment`: felix's own comment on the chain's first rule matched; `hash:<scheme>`: the
   * computed chain name matched. */
  via: 'comment' | `hash:${PolicyIdScheme}`;
}

/** Maps policy chains seen in a delta (or anywhere) back to the given policies. Chains that
 * match none are left out. `snapshot` lets felix's chain comments answer first; names and
 * comments are computed with the felix version's scheme (every scheme when it is unknown). */
export function resolvePolicyChains(
  chains: readonly string[],
  policies: readonly PolicyRef[],
  opts: { calicoVersion?: string; snapshot?: CounterSnapshot } = {},
): Map<string, PolicyChainResolution> {
  const out = new Map<string, PolicyChainResolution>();
  const wanted = chains.map(calicoChainName).filter((c) => chainRole(c) === 'policy-ingress' || chainRole(c) === 'policy-egress');
  const fromComments = opts.snapshot ? commentsByChain(opts.snapshot) : new Map<string, Set<string>>();
  const versionScheme = opts.calicoVersion ? schemeForVersion(opts.calicoVersion) : undefined;
  const schemes = versionScheme ? [versionScheme] : POLICY_ID_SCHEMES;
  for (const chain of wanted) {
    const direction: PolicyDirection = chainRole(chain) === 'policy-ingress' ? 'ingress' : 'egress';
    const comments = fromComments.get(chain) ?? new Set<string>();
    for (const scheme of schemes) {
      const byComment = policies.find((p) => comments.has(policyChainComment(p, direction, scheme)));
      if (byComment) {
        out.set(chain, resolution(chain, direction, byComment, 'comment'));
        break;
      }
      const byHash = policies.find((p) => {
        const id = policyId(p, scheme);
        return lengthLimitedId(chain.slice(0, 8), id) === chain || chain.slice(0, 8) + id === chain;
      });
      if (byHash) {
        out.set(chain, resolution(chain, direction, byHash, `hash:${scheme}`));
        break;
      }
    }
  }
  return out;
}

function resolution(chain: string, direction: PolicyDirection, policy: PolicyRef, via: PolicyChainResolution['via']): PolicyChainResolution {
  return { chain, direction, policy, ref: `${policy.namespace}/${policy.name}`, via };
}

function commentsByChain(snapshot: CounterSnapshot): Map<string, Set<string>> {
  const map = new Map<string, Set<string>>();
  for (const r of snapshot.rules) {
    const chain = calicoChainName(r.chain);
    const set = map.get(chain) ?? new Set<string>();
    for (const c of r.comments) set.add(c);
    map.set(chain, set);
  }
  return map;
}
