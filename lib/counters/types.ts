// Domain types for node firewall counters (see docs/architecture.md: CounterSnapshot,
// CounterDelta, Attribution). Plain data: parsers build them, diff and attribution read them.

/** Where a snapshot came from. iptables-legacy and iptables-nft print the same
 * `iptables-save -c` format; `nftables` is felix's native nftables mode (`nft -j list ruleset`). */
export type CounterBackend = 'iptables-legacy' | 'iptables-nft' | 'nftables';

/** A `-m mark --mark value/mask` match (or the nft equivalent `meta mark & mask == value`). */
export interface MarkMatch {
  value: number;
  mask: number;
  negated: boolean;
}

/** What a rule does to the packet mark (`-j MARK --set-xmark value/mask`, nft `meta mark set ...`).
 * Bits in `mask` are cleared, then bits in `value` are set. */
export interface MarkSet {
  value: number;
  mask: number;
}

export interface CounterRule {
  /** Stable identity across snapshots: table, chain and rule text (plus an ordinal for exact
   * duplicates). Never the index alone: felix inserts and removes rules between snapshots. */
  key: string;
  /** iptables table (`filter`, `raw`, ...) or, for nft, `<family> <table>` (e.g. `ip calico`). */
  table: string;
  /** Chain name as the dump prints it (nft mode: `filter-cali-tw-...`). */
  chain: string;
  /** 1-based position in its chain, like `iptables -L --line-numbers`. */
  index: number;
  /** The rule spec after `-A <chain> ` (nft: the rule's expressions, rendered compactly). */
  text: string;
  /** `-j X` / `-g X` target, or the nft verdict (`ACCEPT`, `DROP`, `RETURN`, a chain name...). */
  target?: string;
  /** True for `-g` / nft `goto`: the chain does not return to its caller. */
  goto: boolean;
  /** Every `--comment` text (felix writes `cali:<hash>` ids plus human comments). */
  comments: string[];
  markMatches: MarkMatch[];
  markSet?: MarkSet;
  packets: number;
  bytes: number;
}

/** A built-in chain's policy and its counters (`:FORWARD ACCEPT [p:b]`). */
export interface ChainPolicy {
  table: string;
  chain: string;
  policy: string;
  packets: number;
  bytes: number;
}

export interface CounterSnapshot {
  backend: CounterBackend;
  rules: CounterRule[];
  chainPolicies: ChainPolicy[];
  /** Every chain the dump declares, including empty ones (`table` + chain). */
  chains: { table: string; chain: string }[];
}

export interface RuleDelta {
  rule: CounterRule;
  packets: number;
  bytes: number;
}

export interface ChainPolicyDelta {
  policy: ChainPolicy;
  packets: number;
  bytes: number;
}

export interface CounterDelta {
  backend: CounterBackend;
  /** Rules whose packet count went up, in the after-snapshot's order. */
  rules: RuleDelta[];
  chainPolicies: ChainPolicyDelta[];
  /** Rule keys only in the after snapshot (felix reprogrammed between snapshots). */
  appeared: string[];
  /** Rule keys only in the before snapshot. */
  disappeared: string[];
  /** Rules whose counters went down (chain rewritten, counters reset): not trusted as hits. */
  reset: string[];
  /** The after snapshot, so attribution can read mark bits and chain layout from rules the
   * probe did not hit. */
  after: CounterSnapshot;
}
