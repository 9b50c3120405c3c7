// The commands that read a node's Calico counters, and their output as a CounterSnapshot. Two
// reads: the whole filter table (iptables-save -c, nft -j list ruleset), for snapshots around a
// probe and for enforcement checks; and a few chains by name (iptables -v -S <chain>,
// nft -j list chain), the cheapest read there is, for watching a probe in flight.
import { calicoChainName } from './chains.ts';
import { parseIptablesSave } from './iptables-save.ts';
import { parseNftJson } from './nft-json.ts';
import type { CounterBackend, CounterSnapshot } from './types.ts';

/** The command that dumps a node's filter rules with counters. */
export function tableReadCommand(backend: CounterBackend): string[] {
  switch (backend) {
    case 'iptables-nft':
      return ['iptables-nft-save', '-c', '-t', 'filter'];
    case 'iptables-legacy':
      return ['iptables-legacy-save', '-c', '-t', 'filter'];
    case 'nftables':
      return ['nft', '-j', 'list', 'ruleset'];
  }
}

export function parseTableRead(backend: CounterBackend, stdout: string): CounterSnapshot {
  if (backend === 'nftables') return parseNftJson(stdout);
  return parseIptablesSave(stdout, { backend: backend === 'iptables-legacy' ? 'legacy' : 'nft' });
}

/**
 * The command that lists these chains (logical names, e.g. cali-tw-cali1234567890a) with their
 * counters. A chain that does not exist (a pod on another node, a chain felix just removed) is
 * left out of the output, not an error: a watch reads what is there.
 */
export function chainReadCommand(backend: CounterBackend, chains: readonly string[]): string[] {
  // The chain names travel as positional parameters, never through the shell's parser.
  const list =
    backend === 'nftables'
      ? 'nft -j list chain ip calico "filter-$c"'
      : `${backend === 'iptables-legacy' ? 'iptables-legacy' : 'iptables-nft'} -w -t filter -v -S "$c"`;
  return ['sh', '-c', `for c in "$@"; do ${list} 2>/dev/null; done; exit 0`, 'sh', ...chains];
}

export function parseChainRead(backend: CounterBackend, stdout: string): CounterSnapshot {
  if (backend === 'nftables') {
    // One JSON document per chain listed, each on its own line.
    const snapshot: CounterSnapshot = { backend, rules: [], chainPolicies: [], chains: [] };
    for (const line of stdout.split('\n')) {
      if (line.trim() === '') continue;
      const part = parseNftJson(line);
      snapshot.rules.push(...part.rules);
      snapshot.chains.push(...part.chains);
    }
    return snapshot;
  }
  return parseIptablesSave(listingToSave(stdout), { backend: backend === 'iptables-legacy' ? 'legacy' : 'nft' });
}

/**
 * `iptables -v -S` prints `-N chain`, `-P CHAIN POLICY -c p b` and rules with their counters
 * as `-c <packets> <bytes>` inside the spec; the rule text is otherwise the same as
 * iptables-save's, so rules keep the keys a full dump gives them.
 */
function listingToSave(listing: string): string {
  const out = ['*filter'];
  for (const line of listing.split('\n')) {
    const words = line.trim().split(' ');
    if (words[0] === '-N' && words[1]) out.push(`:${words[1]} - [0:0]`);
    else if (words[0] === '-P' && words[1] && words[2]) {
      const counters = takeCounters(line);
      out.push(`:${words[1]} ${words[2]} [${counters.packets}:${counters.bytes}]`);
    } else if (words[0] === '-A') {
      const counters = takeCounters(line);
      out.push(`[${counters.packets}:${counters.bytes}] ${counters.rest.trim()}`);
    }
  }
  out.push('COMMIT');
  return out.join('\n');
}

/** Finds ` -c <p> <b>` outside double quotes and cuts it out of the line. */
function takeCounters(line: string): { packets: number; bytes: number; rest: string } {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\' && quoted) i++;
    else if (ch === '"') quoted = !quoted;
    else if (!quoted && line.startsWith(' -c ', i)) {
      const m = /^ -c (\d+) (\d+)/.exec(line.slice(i));
      if (m) return { packets: Number(m[1]), bytes: Number(m[2]), rest: line.slice(0, i) + line.slice(i + m[0].length) };
    }
  }
  return { packets: 0, bytes: 0, rest: line };
}

/**
 * `base` with the chains of `listed` replaced by their listed rules and counters: a full read
 * kept up to date by reading only the chains that could have moved.
 */
export function withChains(base: CounterSnapshot, listed: CounterSnapshot): CounterSnapshot {
  const replaced = new Set(listed.chains.map((c) => `${c.table} ${c.chain}`));
  const kept = (c: { table: string; chain: string }): boolean => !replaced.has(`${c.table} ${c.chain}`);
  return {
    backend: base.backend,
    rules: [...base.rules.filter(kept), ...listed.rules],
    chainPolicies: base.chainPolicies,
    chains: [...base.chains.filter(kept), ...listed.chains],
  };
}

/** Only the rules and chains of `chains` (logical names): what one probe's attribution reads. */
export function onlyChains(snapshot: CounterSnapshot, chains: ReadonlySet<string>): CounterSnapshot {
  const keep = (c: { chain: string }): boolean => chains.has(calicoChainName(c.chain));
  return { backend: snapshot.backend, rules: snapshot.rules.filter(keep), chainPolicies: [], chains: snapshot.chains.filter(keep) };
}
