// Single-chain listings captured from real felix v3.31.0 rulesets (the *.after captures restored
// into a namespace and listed with the reader's own command): their rules carry the same keys
// and counters as a full dump's, so a watch read and a full read diff against each other.
import { expect } from 'chai';
import { calicoChainName } from './chains.ts';
import { chainReadCommand, parseChainRead, parseTableRead } from './counter-reads.ts';
import { captureText } from './testdata/captures.ts';
import type { CounterBackend } from './types.ts';

const server = 'cali-tw-calic510660259c';
const files: [CounterBackend, string, string][] = [
  ['iptables-nft', 'felix-v3.31.0-iptables-nft-deny-all-ingress.after.txt', 'felix-v3.31.0-iptables-nft-deny-all-ingress.chains.txt'],
  ['iptables-legacy', 'felix-v3.31.0-iptables-legacy-deny-all-ingress.after.txt', 'felix-v3.31.0-iptables-legacy-deny-all-ingress.chains.txt'],
  ['nftables', 'felix-v3.31.0-nftables-deny-all-ingress.after.json', 'felix-v3.31.0-nftables-deny-all-ingress.chains.jsonl'],
];

describe('counter reads', () => {
  for (const [backend, full, chains] of files) {
    it(`${backend}: a chain listing has the rules, keys and counters of a full dump`, () => {
      const table = parseTableRead(backend, captureText(full));
      const listed = parseChainRead(backend, captureText(chains));
      const inChain = (rules: typeof table.rules) => rules.filter((r) => calicoChainName(r.chain) === server).map((r) => [r.key, r.packets, r.bytes]);
      expect(inChain(listed.rules)).to.have.length(10);
      expect(inChain(listed.rules)).to.deep.equal(inChain(table.rules));
      // The server's egress chain and the policy chain were listed too; the missing chain is not there.
      const names = new Set(listed.chains.map((c) => calicoChainName(c.chain)));
      expect(names.has('cali-fw-calic510660259c')).to.equal(true);
      expect([...names].some((c) => c.startsWith('cali-pi-'))).to.equal(true);
      expect(names.has('cali-tw-cali00000000000')).to.equal(false);
    });
  }

  it('passes chain names to the shell as arguments, never as code', () => {
    const argv = chainReadCommand('iptables-nft', ['cali-tw-x', 'cali-pi-$(reboot)']);
    expect(argv.slice(0, 2)).to.deep.equal(['sh', '-c']);
    expect(argv[2]).to.not.include('cali-');
    expect(argv.slice(3)).to.deep.equal(['sh', 'cali-tw-x', 'cali-pi-$(reboot)']);
    expect(chainReadCommand('nftables', ['cali-tw-x'])[2]).to.include('nft -j list chain ip calico "filter-$c"');
    expect(chainReadCommand('iptables-legacy', ['cali-tw-x'])[2]).to.include('iptables-legacy -w -t filter -v -S "$c"');
  });

  it('reads counters out of iptables -v -S wherever the spec puts them, and quoted text stays', () => {
    const listed = parseChainRead(
      'iptables-nft',
      [
        '-P FORWARD DROP -c 3 180',
        '-N cali-tw-x',
        '-A cali-tw-x -m comment --comment "a -c 9 9 b" -c 5 300 -j DROP',
        '-A cali-tw-x -m comment --comment "Policy x ingress" -c 7 468',
      ].join('\n'),
    );
    expect(listed.chainPolicies).to.deep.equal([{ table: 'filter', chain: 'FORWARD', policy: 'DROP', packets: 3, bytes: 180 }]);
    expect(listed.rules.map((r) => [r.text, r.packets, r.bytes])).to.deep.equal([
      ['-m comment --comment "a -c 9 9 b" -j DROP', 5, 300],
      ['-m comment --comment "Policy x ingress"', 7, 468],
    ]);
  });
});
