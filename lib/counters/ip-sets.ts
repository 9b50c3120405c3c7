// Felix's IP sets: a policy rule with a pod or namespace selector matches the source or
// destination against an IP set felix keeps filled with the IPs of the pods the selector matches
// (`cali40s:<hash>` in ipset for the iptables dataplanes, `cali40s-<hash>` in the calico
// nftables table). Relabelling a pod or a namespace changes no rule, only these members, so they
// are where the harness reads that the dataplane has caught up with a relabel.

import type { CounterBackend, CounterRule } from './types.ts';

/** Set name -> members (addresses, or CIDRs when not a single address), as the node lists them. */
export type IpSets = Map<string, string[]>;

/** The command that lists every IP set with its members on a node. */
export function ipSetReadCommand(backend: CounterBackend): string[] {
  return backend === 'nftables' ? ['nft', '-j', 'list', 'sets'] : ['ipset', 'save'];
}

export function parseIpSets(backend: CounterBackend, stdout: string): IpSets {
  return backend === 'nftables' ? parseNftSets(stdout) : parseIpsetSave(stdout);
}

/** `create <set> hash:net ...` and `add <set> <member>` lines. */
function parseIpsetSave(text: string): IpSets {
  const sets: IpSets = new Map();
  for (const line of text.split('\n')) {
    const [verb, name, member] = line.trim().split(/\s+/);
    if (name === undefined) continue;
    if (verb === 'create' && !sets.has(name)) sets.set(name, []);
    if (verb === 'add' && member !== undefined) sets.set(name, [...(sets.get(name) ?? []), singleAddress(member)]);
  }
  return sets;
}

type Json = Record<string, unknown>;

/** `{"nftables": [{"set": {"name": ..., "elem": ["10.0.0.1", {"prefix": {"addr": ..., "len": 24}}]}}]}` */
function parseNftSets(text: string): IpSets {
  const doc = JSON.parse(text) as { nftables?: unknown[] };
  const sets: IpSets = new Map();
  for (const item of doc.nftables ?? []) {
    const set = (item as Json).set as Json | undefined;
    if (!set || typeof set.name !== 'string') continue;
    const elems = Array.isArray(set.elem) ? set.elem : [];
    sets.set(set.name, elems.map(nftElement).filter((m): m is string => m !== undefined));
  }
  return sets;
}

function nftElement(elem: unknown): string | undefined {
  if (typeof elem === 'string') return singleAddress(elem);
  if (typeof elem !== 'object' || elem === null) return undefined;
  const e = elem as Json;
  if ('elem' in e) return nftElement((e.elem as Json).val);
  if ('prefix' in e) {
    const prefix = e.prefix as { addr: string; len: number };
    return singleAddress(`${prefix.addr}/${prefix.len}`);
  }
  if ('range' in e) {
    const [from, to] = e.range as [string, string];
    return from === to ? from : `${from}-${to}`;
  }
  return undefined;
}

/** "10.0.0.1/32" -> "10.0.0.1": a pod's address however the tool prints it. */
function singleAddress(member: string): string {
  return member.replace(/\/(32|128)$/, '');
}

/** Felix's selector IP sets: IPv4 `cali40s`, IPv6 `cali60s`; `:` in ipset, `-` in nftables. */
const selectorSetPattern = /cali[46]0s[:-][A-Za-z0-9_-]+/g;

/** The selector IP sets these rules match against, each once. */
export function selectorSetsOf(rules: readonly CounterRule[]): string[] {
  return [...new Set(rules.flatMap((rule) => rule.text.match(selectorSetPattern) ?? []))];
}

/** 4 or 6: which family's addresses a selector set holds. */
export function ipSetFamily(name: string): 4 | 6 {
  return name.startsWith('cali6') ? 6 : 4;
}
