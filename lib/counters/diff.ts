import type { ChainPolicyDelta, CounterDelta, CounterSnapshot, RuleDelta } from './types.ts';

/** What changed between two snapshots taken around one probe. Only rules (and built-in chain
 * policies) whose packet counts went up are kept. Rules that appear or disappear (felix
 * reprogrammed a chain) are listed, not treated as errors; a rule that appeared counts from 0. */
export function diffSnapshots(before: CounterSnapshot, after: CounterSnapshot): CounterDelta {
  const beforeRules = new Map(before.rules.map((r) => [r.key, r]));
  const afterKeys = new Set(after.rules.map((r) => r.key));
  const rules: RuleDelta[] = [];
  const appeared: string[] = [];
  const reset: string[] = [];
  for (const rule of after.rules) {
    const old = beforeRules.get(rule.key);
    if (!old) appeared.push(rule.key);
    const packets = rule.packets - (old?.packets ?? 0);
    const bytes = rule.bytes - (old?.bytes ?? 0);
    // A lower count means the rule was rewritten and its counter zeroed: the difference is not
    // this probe's traffic, so it is reported and left out of the hits.
    if (packets < 0) reset.push(rule.key);
    else if (packets > 0) rules.push({ rule, packets, bytes: Math.max(bytes, 0) });
  }
  const disappeared = before.rules.filter((r) => !afterKeys.has(r.key)).map((r) => r.key);

  const policyKey = (p: { table: string; chain: string }): string => `${p.table} ${p.chain}`;
  const beforePolicies = new Map(before.chainPolicies.map((p) => [policyKey(p), p]));
  const chainPolicies: ChainPolicyDelta[] = [];
  for (const policy of after.chainPolicies) {
    const old = beforePolicies.get(policyKey(policy));
    const packets = policy.packets - (old?.packets ?? 0);
    if (packets > 0) chainPolicies.push({ policy, packets, bytes: Math.max(policy.bytes - (old?.bytes ?? 0), 0) });
  }
  return { backend: after.backend, rules, chainPolicies, appeared, disappeared, reset, after };
}
