// What each felix chain is, by name prefix (felix/rules/rule_defs.go).
import type { CounterRule } from './types.ts';

export type ChainRole =
  | 'to-workload' // cali-tw-<iface>: ingress policy of the destination pod
  | 'from-workload' // cali-fw-<iface>: egress policy of the source pod
  | 'policy-ingress' // cali-pi-<id>
  | 'policy-egress' // cali-po-<id>
  | 'profile-ingress' // cali-pri-<profile> (kns.<ns>, ksa.<ns>.<sa>)
  | 'profile-egress' // cali-pro-<profile>
  | 'policy-group' // cali-gi- / cali-go-: a shared jump list to several policy chains
  | 'calico' // any other cali-* chain (dispatch, FORWARD hooks...)
  | 'other';

const PREFIX_ROLES: [string, ChainRole][] = [
  ['cali-tw-', 'to-workload'],
  ['cali-fw-', 'from-workload'],
  ['cali-pi-', 'policy-ingress'],
  ['cali-po-', 'policy-egress'],
  ['cali-pri-', 'profile-ingress'],
  ['cali-pro-', 'profile-egress'],
  ['cali-gi-', 'policy-group'],
  ['cali-go-', 'policy-group'],
  ['cali-', 'calico'],
];

/** The chain name as felix's rule renderer knows it. In nftables mode felix keeps all logical
 * tables in one nft table and prefixes chains with the logical table ("filter-cali-tw-...";
 * felix/nftables/table_layer.go); strip that so names compare equal across backends. */
export function calicoChainName(chain: string): string {
  const m = /^(?:filter|nat|mangle|raw)-(cali-.*)$/.exec(chain);
  return m?.[1] ?? chain;
}

export function chainRole(chain: string): ChainRole {
  const name = calicoChainName(chain);
  return PREFIX_ROLES.find(([prefix]) => name.startsWith(prefix))?.[1] ?? 'other';
}

export function hasComment(rule: CounterRule, re: RegExp): boolean {
  return rule.comments.some((c) => re.test(c));
}

/** Felix's human comments (felix/rules/endpoints.go, static.go). Matched loosely on purpose: the
 * deny verb follows FilterDenyAction ("Drop"/"Reject") and v3.30+ prefixes "End of tier <t>. ". */
export const COMMENTS = {
  startOfTier: /^Start of (tier|policies)\b/,
  policyAccepted: /^Return if policy accepted$/,
  profileAccepted: /^Return if profile accepted$/,
  endOfTier: /if no policies passed packet$/,
  noProfile: /if no profiles? matched$/,
  adminDown: /^Endpoint admin disabled$/,
} as const;
