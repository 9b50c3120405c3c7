import { expect } from 'chai';
import { CounterParseError } from './iptables-save.ts';
import { parseNftJson } from './nft-json.ts';
import { captureMeta, captureText } from './testdata/captures.ts';

const { server } = captureMeta;

describe('parseNftJson', () => {
  const snap = parseNftJson(captureText('synthetic-nftables-tcp-8080-allowed.after.json'));
  const tw = `filter-cali-tw-${server.interface}`;

  it('reads felix nftables-mode chains with the table as "<family> <name>"', () => {
    expect(snap.backend).to.equal('nftables');
    expect(snap.chains).to.deep.include({ table: 'ip calico', chain: tw });
    expect(snap.rules.every((r) => r.table === 'ip calico')).to.equal(true);
  });

  it('splits felix comments, reads counters, verdicts and mark matches', () => {
    const ret = snap.rules.find((r) => r.chain === tw && r.comments.includes('Return if policy accepted') && r.packets > 0);
    expect(ret).to.deep.include({ target: 'RETURN', packets: 1, bytes: 60, index: 8 });
    expect(ret?.markMatches).to.deep.equal([{ value: 0x10000, mask: 0x10000, negated: false }]);
    expect(ret?.comments[0]).to.match(/^cali:/);
  });

  it('reads mark writes: clearing bits and setting bits', () => {
    const tier = snap.rules.find((r) => r.chain === tw && r.comments.includes('Start of tier default'));
    expect(tier?.markSet).to.deep.equal({ value: 0, mask: 0x20000 });
    const allow = snap.rules.find((r) => r.chain === `filter-${captureMeta.allowPolicyChain}`);
    expect(allow?.markSet).to.deep.equal({ value: 0x10000, mask: 0x10000 });
    expect(allow?.packets).to.equal(1);
  });

  it('reads goto and jump targets', () => {
    const dispatch = snap.rules.find((r) => r.chain === 'filter-cali-to-wl-dispatch' && r.target === tw);
    expect(dispatch?.goto).to.equal(true);
    const jump = snap.rules.find((r) => r.chain === 'filter-FORWARD' && r.target === 'filter-cali-FORWARD');
    expect(jump?.goto).to.equal(false);
  });

  it('keeps rule identity independent of the counter values', () => {
    const before = parseNftJson(captureText('synthetic-nftables-tcp-8080-allowed.before.json'));
    expect(before.rules.map((r) => r.key)).to.deep.equal(snap.rules.map((r) => r.key));
  });

  it('parses iptables-nft rulesets (xt expressions) without losing counters', () => {
    const xt = parseNftJson(captureText('synthetic-iptables-nft-ruleset.nft.json'));
    expect(xt.rules.length).to.be.greaterThan(30);
    expect(xt.rules.some((r) => r.packets > 0)).to.equal(true);
  });

  it('rejects text that is not nft JSON', () => {
    expect(() => parseNftJson('table ip calico {}')).to.throw(CounterParseError);
    expect(() => parseNftJson('{"foo": []}')).to.throw(CounterParseError, /nftables/);
  });
});
