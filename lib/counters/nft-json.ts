// Parser for `nft -j list ruleset` (libnftables JSON schema 1). Used for felix's nftables mode,
// where felix programs one table (`ip calico` / `ip6 calico`) and prefixes each chain with the
// iptables table it stands for (`filter-cali-tw-...`; felix/nftables/table_layer.go namespaceName).
import type { CounterRule, CounterSnapshot, MarkMatch, MarkSet } from './types.ts';
import { CounterParseError } from './iptables-save.ts';
import { ruleKey } from './rule-key.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const VERDICTS: Record<string, string> = { accept: 'ACCEPT', drop: 'DROP', return: 'RETURN', reject: 'REJECT', continue: 'CONTINUE' };

export function parseNftJson(text: string): CounterSnapshot {
  let doc: Json;
  try {
    doc = JSON.parse(text) as Json;
  } catch (err) {
    throw new CounterParseError(`not JSON: ${(err as Error).message}`, 1, text.slice(0, 200));
  }
  const items = isObject(doc) ? doc['nftables'] : undefined;
  if (!Array.isArray(items)) throw new CounterParseError('missing top-level "nftables" array', 1, text.slice(0, 200));

  const snapshot: CounterSnapshot = { backend: 'nftables', rules: [], chainPolicies: [], chains: [] };
  const seen = new Map<string, number>();
  const nextIndex = new Map<string, number>();
  for (const item of items) {
    if (!isObject(item)) continue;
    const chain = item['chain'];
    if (isObject(chain)) {
      snapshot.chains.push({ table: tableName(chain), chain: String(chain['name']) });
      continue;
    }
    const rule = item['rule'];
    if (isObject(rule)) snapshot.rules.push(toRule(rule, seen, nextIndex));
  }
  return snapshot;
}

function toRule(rule: JsonObject, seen: Map<string, number>, nextIndex: Map<string, number>): CounterRule {
  const table = tableName(rule);
  const chain = String(rule['chain']);
  const expr = Array.isArray(rule['expr']) ? rule['expr'] : [];
  // felix joins a rule's comments with "; " into nft's single comment field, hash id first.
  const comments = typeof rule['comment'] === 'string' ? rule['comment'].split('; ') : [];
  const index = (nextIndex.get(`${table}\0${chain}`) ?? 0) + 1;
  nextIndex.set(`${table}\0${chain}`, index);
  // Identity must not include the counters themselves, or every hit would look like a new rule.
  const text = JSON.stringify(expr.map((e) => (isObject(e) && 'counter' in e ? { counter: {} } : e)));
  const facts: CounterRule = {
    key: ruleKey(seen, table, chain, text),
    table,
    chain,
    index,
    text,
    goto: false,
    comments,
    markMatches: [],
    packets: 0,
    bytes: 0,
  };
  for (const e of expr) {
    if (!isObject(e)) continue;
    const counter = e['counter'];
    if (isObject(counter)) {
      facts.packets = Number(counter['packets'] ?? 0);
      facts.bytes = Number(counter['bytes'] ?? 0);
    }
    const match = e['match'];
    if (isObject(match)) {
      const m = markMatch(match);
      if (m) facts.markMatches.push(m);
    }
    const mangle = e['mangle'];
    if (isObject(mangle)) {
      const s = markSet(mangle);
      if (s) facts.markSet = s;
    }
    for (const kind of ['jump', 'goto'] as const) {
      const v = e[kind];
      if (isObject(v) && typeof v['target'] === 'string') {
        facts.target = v['target'];
        facts.goto = kind === 'goto';
      }
    }
    for (const [verdict, target] of Object.entries(VERDICTS)) {
      if (verdict in e) facts.target = target;
    }
  }
  return facts;
}

function tableName(o: JsonObject): string {
  return `${String(o['family'])} ${String(o['table'] ?? o['name'])}`;
}

function isMetaMark(j: Json | undefined): boolean {
  return isObject(j) && isObject(j['meta']) && j['meta']['key'] === 'mark';
}

/** `meta mark & MASK == VALUE` (or `meta mark == VALUE`, `!=` for negation). */
function markMatch(match: JsonObject): MarkMatch | undefined {
  const op = match['op'];
  if (op !== '==' && op !== '!=') return undefined;
  const left = match['left'];
  const right = match['right'];
  if (typeof right !== 'number') return undefined;
  if (isMetaMark(left)) return { value: right >>> 0, mask: 0xffffffff, negated: op === '!=' };
  if (isObject(left) && Array.isArray(left['&'])) {
    const [a, b] = left['&'];
    if (isMetaMark(a) && typeof b === 'number') return { value: right >>> 0, mask: b >>> 0, negated: op === '!=' };
  }
  return undefined;
}

/** `meta mark set meta mark & ~BITS` (clear), `| BITS` (set), `(meta mark & A) | B`, or a constant. */
function markSet(mangle: JsonObject): MarkSet | undefined {
  if (!isMetaMark(mangle['key'])) return undefined;
  const value = mangle['value'];
  if (typeof value === 'number') return { value: value >>> 0, mask: 0xffffffff };
  if (!isObject(value)) return undefined;
  const and = value['&'];
  if (Array.isArray(and) && isMetaMark(and[0]) && typeof and[1] === 'number') return { value: 0, mask: ~and[1] >>> 0 };
  const or = value['|'];
  if (Array.isArray(or) && typeof or[1] === 'number') {
    const bits = or[1] >>> 0;
    if (isMetaMark(or[0])) return { value: bits, mask: bits };
    const inner = isObject(or[0]) ? or[0]['&'] : undefined;
    if (Array.isArray(inner) && isMetaMark(inner[0]) && typeof inner[1] === 'number') {
      return { value: bits, mask: (~inner[1] | bits) >>> 0 };
    }
  }
  return undefined;
}

function isObject(j: Json | undefined): j is JsonObject {
  return typeof j === 'object' && j !== null && !Array.isArray(j);
}
