// Policy chain names <-> NetworkPolicies. Felix names a policy's chains
//   hashutils.GetLengthLimitedID("cali-pi-" | "cali-po-", <policy id>, 28)
// (felix/rules/policy.go PolicyChainName; GetLengthLimitedID in felix/hashutils and
// libcalico-go/lib/hash/hash.go; iptables.MaxChainNameLength = nftables.MaxChainNameLength = 28).
// What <policy id> is changed between Calico versions, so every scheme felix has used is kept here
// and the resolver tries them all, reporting which one matched.
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
  /** Defaults to KubernetesNetworkPolicy, the only kind this harness applies. */
  kind?: PolicyKind;
}

/** How felix spelled the policy id it hashes:
 * - `tier-name`: proto.PolicyID{Tier, Name}, id "<tier>/<name>" where a namespaced policy's model
 *   name is "<namespace>/<calico name>" (felix/rules/policy.go before types.PolicyID; endpoints_test
 *   expects "cali-pi-default/ai").
 * - `kind-namespace-name`: types.PolicyID.ID() = "<Kind>/<namespace>/<name>" (felix/types/policy_id.go,
 *   first form).
 * - `short-kind-namespace-name`: types.PolicyID.ID() = "<KindShortName>/<namespace>/<name>", short
 *   kinds knp, np, gnp... (felix/types/policy_id.go, later form, which also knows kcnp, v3.32+). */
export type PolicyIdScheme = 'tier-name' | 'kind-namespace-name' | 'short-kind-namespace-name';

export const POLICY_ID_SCHEMES: readonly PolicyIdScheme[] = ['short-kind-namespace-name', 'kind-namespace-name', 'tier-name'];

/** Kubernetes NetworkPolicies become Calico policies named "knp.default.<name>"
 * (libcalico-go/lib/names: K8sNetworkPolicyNamePrefix, still in v3.32). */
export const KNP_NAME_PREFIX = 'knp.default.';

const SHORT_KINDS: Record<PolicyKind, string> = {
  KubernetesNetworkPolicy: 'knp',
  NetworkPolicy: 'np',
  GlobalNetworkPolicy: 'gnp',
};

/** Per Calico minor. Confirmed by real captures: v3.31.0 hashes "<tier>/<ns>/knp.default.<name>"
 * (lib/counters/testdata/felix-v3.31.0-*). Newer minors are a reading of the sources, unconfirmed
 * (resolvePolicyChains tries every scheme regardless). */
export function schemeForVersion(calicoVersion: string): PolicyIdScheme {
  const m = /^v?(\d+)\.(\d+)/.exec(calicoVersion);
  const minor = m ? Number(m[1]) * 1000 + Number(m[2]) : Number.POSITIVE_INFINITY;
  if (minor >= 3032) return 'short-kind-namespace-name';
  return 'tier-name';
}

/** The Calico-side name felix sees for the policy (Kubernetes policies get the knp prefix). */
export function calicoPolicyName(policy: PolicyRef): string {
  const kind = policy.kind ?? 'KubernetesNetworkPolicy';
  return kind === 'KubernetesNetworkPolicy' && !policy.name.startsWith(KNP_NAME_PREFIX) ? KNP_NAME_PREFIX + policy.name : policy.name;
}

export function policyId(policy: PolicyRef, scheme: PolicyIdScheme): string {
  const kind = policy.kind ?? 'KubernetesNetworkPolicy';
  const name = calicoPolicyName(policy);
  const ns = kind === 'GlobalNetworkPolicy' ? '' : policy.namespace;
  switch (scheme) {
    case 'tier-name':
      return `${policy.tier ?? 'default'}/${ns ? `${ns}/` : ''}${name}`;
    case 'kind-namespace-name':
      return ns ? `${kind}/${ns}/${name}` : `${kind}/${name}`;
    case 'short-kind-namespace-name':
      return ns ? `${SHORT_KINDS[kind]}/${ns}/${name}` : `${SHORT_KINDS[kind]}/${name}`;
  }
}

/** Port of hashutils.GetLengthLimitedID: the suffix as-is when it fits, else "_" plus the
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

export function policyChainName(
  direction: PolicyDirection,
  policy: PolicyRef,
  calicoVersion: string,
  scheme: PolicyIdScheme = schemeForVersion(calicoVersion),
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
  /** "namespace/name" of the NetworkPolicy. */
  ref: string;
  /** `comment`: felix's own "<Kind> <ns>/<name> ingress|egress" comment on the chain's first rule
   * (felix/rules/policy.go PolicyToIptablesChains, types.PolicyID era); `hash:<scheme>`: our
   * computed name matched. */
  via: 'comment' | `hash:${PolicyIdScheme}`;
}

const CHAIN_COMMENT_RE = /^(\w+) (?:([^/\s]+)\/)?(\S+) (ingress|egress)$/;

/** Maps policy chains seen in a delta (or anywhere) back to the given NetworkPolicies. Chains that
 * match none are left out. `snapshot` lets felix's chain comments answer first. */
export function resolvePolicyChains(
  chains: readonly string[],
  policies: readonly PolicyRef[],
  opts: { calicoVersion?: string; snapshot?: CounterSnapshot } = {},
): Map<string, PolicyChainResolution> {
  const out = new Map<string, PolicyChainResolution>();
  const wanted = chains.map(calicoChainName).filter((c) => chainRole(c) === 'policy-ingress' || chainRole(c) === 'policy-egress');
  const fromComments = opts.snapshot ? commentsByChain(opts.snapshot) : new Map<string, string[]>();
  const schemes = opts.calicoVersion
    ? [schemeForVersion(opts.calicoVersion), ...POLICY_ID_SCHEMES.filter((s) => s !== schemeForVersion(opts.calicoVersion ?? ''))]
    : POLICY_ID_SCHEMES;
  for (const chain of wanted) {
    const direction: PolicyDirection = chainRole(chain) === 'policy-ingress' ? 'ingress' : 'egress';
    const byComment = matchComment(fromComments.get(chain) ?? [], policies, direction);
    if (byComment) {
      out.set(chain, resolution(chain, direction, byComment, 'comment'));
      continue;
    }
    for (const scheme of schemes) {
      // iptables names are cut to 28 bytes and hashed; nftables allows long names, so felix's
      // nftables mode keeps the policy id as it is (seen in felix v3.31.0's nft ruleset).
      const policy = policies.find((p) => {
        const id = policyId(p, scheme);
        return lengthLimitedId(chain.slice(0, 8), id) === chain || chain.slice(0, 8) + id === chain;
      });
      if (policy) {
        out.set(chain, resolution(chain, direction, policy, `hash:${scheme}`));
        break;
      }
    }
  }
  return out;
}

function resolution(chain: string, direction: PolicyDirection, policy: PolicyRef, via: PolicyChainResolution['via']): PolicyChainResolution {
  return { chain, direction, policy, ref: `${policy.namespace}/${policy.name}`, via };
}

function commentsByChain(snapshot: CounterSnapshot): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const r of snapshot.rules) {
    const chain = calicoChainName(r.chain);
    map.set(chain, [...(map.get(chain) ?? []), ...r.comments]);
  }
  return map;
}

function matchComment(comments: string[], policies: readonly PolicyRef[], direction: PolicyDirection): PolicyRef | undefined {
  for (const comment of comments) {
    const m = CHAIN_COMMENT_RE.exec(comment);
    if (!m || m[4] !== direction) continue;
    const [, kind, ns = '', name = ''] = m;
    // Felix v3.31 writes the generic "Policy"; later versions the policy's kind.
    const found = policies.find(
      (p) => (kind === 'Policy' || (p.kind ?? 'KubernetesNetworkPolicy') === kind) && calicoPolicyName(p) === name && (ns === '' || p.namespace === ns),
    );
    if (found) return found;
  }
  return undefined;
}
