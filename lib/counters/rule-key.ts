/** Builds a rule's identity: table, chain and text, plus an ordinal when the same text repeats in
 * one chain (so two identical rules still diff against their own counterparts). `seen` is the
 * per-snapshot occurrence counter. */
export function ruleKey(seen: Map<string, number>, table: string, chain: string, text: string): string {
  const base = `${table} ${chain} ${text}`;
  const n = (seen.get(base) ?? 0) + 1;
  seen.set(base, n);
  return n === 1 ? base : `${base} #${n}`;
}
