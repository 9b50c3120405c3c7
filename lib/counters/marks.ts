// The mark bits felix uses for policy verdicts, read from the rules themselves. Felix allocates
// them from its configured mark mask (felix/dataplane/driver.go), so they differ by version and
// config: 0x10000 accept / 0x20000 pass in 3.x, 0x1000000/0x2000000 in 2.x. Never hard-code them.
import type { CounterSnapshot } from './types.ts';
import { chainRole, COMMENTS, hasComment } from './chains.ts';

export interface CalicoMarks {
  /** Set by a policy or profile rule that allows the packet. */
  accept?: number;
  /** Set by a policy rule with action Pass (skip to the next tier). */
  pass?: number;
  /** v3.30+: set by a policy deny rule just before it drops. */
  drop?: number;
}

export function learnMarks(snapshot: CounterSnapshot): CalicoMarks {
  const marks: CalicoMarks = {};
  for (const rule of snapshot.rules) {
    const positive = rule.markMatches.find((m) => !m.negated && m.value !== 0);
    const zeroMatch = rule.markMatches.find((m) => !m.negated && m.value === 0);
    if (marks.accept === undefined && positive && (hasComment(rule, COMMENTS.policyAccepted) || hasComment(rule, COMMENTS.profileAccepted))) {
      marks.accept = positive.value;
    }
    if (marks.pass === undefined) {
      // "Start of tier" clears the pass bit; the end-of-tier drop matches on it being clear.
      if (hasComment(rule, COMMENTS.startOfTier) && rule.markSet?.value === 0) marks.pass = rule.markSet.mask;
      else if (hasComment(rule, COMMENTS.endOfTier) && zeroMatch) marks.pass = zeroMatch.mask;
    }
  }
  for (const rule of snapshot.rules) {
    const role = chainRole(rule.chain);
    if (marks.drop !== undefined || (role !== 'policy-ingress' && role !== 'policy-egress')) continue;
    const positive = rule.markMatches.find((m) => !m.negated && m.value !== 0);
    if (positive && isDeny(rule.target) && positive.value !== marks.accept && positive.value !== marks.pass) {
      marks.drop = positive.value;
    }
  }
  return marks;
}

export function isDeny(target: string | undefined): boolean {
  return target === 'DROP' || target === 'REJECT';
}

/** Does this rule set (all of) `bit`? */
export function setsBit(markSet: { value: number; mask: number } | undefined, bit: number | undefined): boolean {
  return bit !== undefined && bit !== 0 && markSet !== undefined && (markSet.value & bit) === bit;
}
