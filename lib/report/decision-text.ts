// What decided a probe, in words, for every report view: the policy (with its Calico tier) or the
// tier whose end-of-tier rule dropped the packet.
import type { Decision } from './schema.ts';

/** " by policy gnp:security.deny (tier security)", " at the end of tier default", or "". */
export function decisionSource(decision: Decision): string {
  if (decision.policy) return ` by policy ${decision.policy}${decision.tier ? ` (tier ${decision.tier})` : ''}`;
  if (decision.tier) return ` at the end of tier ${decision.tier}`;
  return '';
}
