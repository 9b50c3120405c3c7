import { expect } from 'chai';
import { diffSnapshots } from './diff.ts';
import { parseIptablesSave } from './iptables-save.ts';
import { CAPTURE_BACKENDS, captureMeta, loadCapture } from './testdata/captures.ts';
import { calicoChainName } from './chains.ts';

const tw = `cali-tw-${captureMeta.server.interface}`;

describe('diffSnapshots', () => {
  for (const backend of CAPTURE_BACKENDS) {
    it(`${backend}: keeps only rules whose packets went up (blocked TCP probe)`, () => {
      const delta = diffSnapshots(loadCapture(backend, 'tcp-9090-blocked', 'before'), loadCapture(backend, 'tcp-9090-blocked', 'after'));
      const inTw = delta.rules.filter((d) => calicoChainName(d.rule.chain) === tw);
      // SYN and one retransmission: both reach the end-of-tier drop, neither policy matches.
      const drop = inTw.find((d) => d.rule.target === 'DROP');
      expect(drop?.packets).to.equal(2);
      expect(drop?.rule.comments).to.include('End of tier default. Drop if no policies passed packet');
      expect(delta.rules.every((d) => d.packets > 0)).to.equal(true);
      expect(delta.rules.some((d) => calicoChainName(d.rule.chain) === captureMeta.allowPolicyChain)).to.equal(false);
      expect(delta).to.deep.include({ appeared: [], disappeared: [], reset: [] });
    });
  }

  it('reports built-in chain policy counters that moved', () => {
    const delta = diffSnapshots(
      loadCapture('iptables-legacy', 'tcp-9090-blocked', 'before'),
      loadCapture('iptables-legacy', 'tcp-9090-blocked', 'after'),
    );
    expect(delta.chainPolicies.map((p) => [p.policy.table, p.policy.chain, p.packets])).to.deep.equal([['raw', 'PREROUTING', 2]]);
  });

  it('tolerates felix reprogramming between snapshots', () => {
    const before = parseIptablesSave(['*filter', ':A - [0:0]', '[5:50] -A A -j old', '[7:70] -A A -j kept', '[9:90] -A A -j rewritten', 'COMMIT'].join('\n'));
    const after = parseIptablesSave(['*filter', ':A - [0:0]', '[8:80] -A A -j kept', '[1:10] -A A -j rewritten', '[3:30] -A A -j new', 'COMMIT'].join('\n'));
    const delta = diffSnapshots(before, after);
    expect(delta.rules.map((d) => [d.rule.text, d.packets, d.rule.index])).to.deep.equal([
      ['-j kept', 1, 1],
      ['-j new', 3, 3],
    ]);
    expect(delta.appeared).to.deep.equal(['filter A -j new']);
    expect(delta.disappeared).to.deep.equal(['filter A -j old']);
    expect(delta.reset).to.deep.equal(['filter A -j rewritten']);
  });
});
