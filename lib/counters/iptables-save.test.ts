import { expect } from 'chai';
import { CounterParseError, parseIptablesSave } from './iptables-save.ts';
import { captureMeta, captureText } from './testdata/captures.ts';

const { server } = captureMeta;
const tw = `cali-tw-${server.interface}`;

describe('parseIptablesSave', () => {
  const legacy = parseIptablesSave(captureText('synthetic-iptables-legacy-tcp-9090-blocked.after.txt'));

  it('detects the backend from the header and reads every table', () => {
    expect(legacy.backend).to.equal('iptables-legacy');
    const nft = parseIptablesSave(captureText('synthetic-iptables-nft-tcp-9090-blocked.after.txt'));
    expect(nft.backend).to.equal('iptables-nft');
    expect(new Set(legacy.rules.map((r) => r.table))).to.deep.equal(new Set(['filter', 'raw']));
    // Same rules, same identities: only the table order differs between the two save tools.
    expect(nft.rules.map((r) => r.key).sort()).to.deep.equal(legacy.rules.map((r) => r.key).sort());
  });

  it('keeps built-in chain policies with their counters, not user chains', () => {
    const forward = legacy.chainPolicies.find((p) => p.table === 'filter' && p.chain === 'FORWARD');
    expect(forward).to.include({ policy: 'DROP', packets: 0 });
    const prerouting = legacy.chainPolicies.find((p) => p.table === 'raw' && p.chain === 'PREROUTING');
    expect(prerouting?.packets).to.equal(8);
    expect(legacy.chainPolicies.some((p) => p.chain.startsWith('cali-'))).to.equal(false);
    expect(legacy.chains.some((c) => c.chain === 'cali-pri-ksa.ncnt.default')).to.equal(true);
  });

  it('reads counters, 1-based index, target, comments and mark match of the end-of-tier drop', () => {
    const drop = legacy.rules.find((r) => r.chain === tw && r.comments.some((c) => c.includes('no policies passed')));
    expect(drop).to.deep.include({
      table: 'filter',
      index: 9,
      target: 'DROP',
      goto: false,
      packets: 2,
      bytes: 120,
      markMatches: [{ value: 0, mask: 0x20000, negated: false }],
    });
    expect(drop?.comments).to.have.length(2);
    expect(drop?.comments[0]).to.match(/^cali:[\w-]{16}$/);
    expect(drop?.comments[1]).to.equal('End of tier default. Drop if no policies passed packet');
  });

  it('reads MARK targets and goto jumps', () => {
    const accept = legacy.rules.find((r) => r.chain === captureMeta.allowPolicyChain);
    expect(accept?.markSet).to.deep.equal({ value: 0x10000, mask: 0x10000 });
    expect(accept?.packets).to.equal(1);
    const dispatch = legacy.rules.find((r) => r.chain === 'cali-to-wl-dispatch' && r.target === tw);
    expect(dispatch?.goto).to.equal(true);
  });

  it('identifies rules by table, chain and text, numbering exact duplicates', () => {
    const text = ['*filter', ':X - [0:0]', '[1:10] -A X -j ACCEPT', '[2:20] -A X -j ACCEPT', 'COMMIT'].join('\n');
    const s = parseIptablesSave(text);
    expect(s.rules.map((r) => r.key)).to.deep.equal(['filter X -j ACCEPT', 'filter X -j ACCEPT #2']);
    expect(s.rules.map((r) => r.index)).to.deep.equal([1, 2]);
  });

  it('unquotes comments with escaped quotes and reads negated and or-mark forms', () => {
    const text = [
      '*mangle',
      '[3:4] -A cali-x -m comment --comment "say \\"hi\\" now" -m mark ! --mark 0x0/0x10000 -j MARK --or-mark 0x20000',
      'COMMIT',
    ].join('\n');
    const [rule] = parseIptablesSave(text).rules;
    expect(rule?.comments).to.deep.equal(['say "hi" now']);
    expect(rule?.markMatches).to.deep.equal([{ value: 0, mask: 0x10000, negated: true }]);
    expect(rule?.markSet).to.deep.equal({ value: 0x20000, mask: 0x20000 });
  });

  it('rejects a rule outside a table with the line number', () => {
    expect(() => parseIptablesSave('[1:1] -A X -j ACCEPT')).to.throw(CounterParseError, /line 1/);
  });
});
