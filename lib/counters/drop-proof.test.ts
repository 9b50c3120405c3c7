import { expect } from 'chai';
import { calicoChainName } from './chains.ts';
import { parseChainRead, parseTableRead } from './counter-reads.ts';
import { provenDrop, watchedChains } from './drop-proof.ts';
import { endpointChainName } from './endpoint-chains.ts';
import { CAPTURE_BACKENDS, captureMeta, captureText, loadCapture } from './testdata/captures.ts';
import type { CounterSnapshot } from './types.ts';

const { client, server, denyPolicyChain } = captureMeta;
const clientToServer = { sourceInterface: client.interface, destinationInterface: server.interface };

/** What a watch read of these chains would have returned from this full dump. */
function only(snapshot: CounterSnapshot, chains: string[]): CounterSnapshot {
  const keep = (chain: string): boolean => chains.includes(calicoChainName(chain));
  return { ...snapshot, rules: snapshot.rules.filter((r) => keep(r.chain)), chains: snapshot.chains.filter((c) => keep(c.chain)), chainPolicies: [] };
}

describe('drop proof', () => {
  for (const backend of CAPTURE_BACKENDS) {
    it(`${backend}: watches where policy can deny: an isolated endpoint, a policy chain with a deny`, () => {
      const before = loadCapture(backend, 'udp-5353-denied', 'before');
      const tw = endpointChainName(server.interface, 'ingress');
      const watched = watchedChains(before, [tw, endpointChainName(client.interface, 'egress')]);
      // The client's egress has no policy: its profile allows, nothing there can deny.
      expect(watched).to.have.members([tw, denyPolicyChain]);
    });

    it(`${backend}: proves a blocked TCP probe from the end-of-tier drop, and a denied UDP one from the policy's deny`, () => {
      const tw = endpointChainName(server.interface, 'ingress');
      for (const [probe, kind] of [['tcp-9090-blocked', 'end-of-tier-drop'], ['udp-5353-denied', 'policy-deny']] as const) {
        const before = loadCapture(backend, probe, 'before');
        const now = only(loadCapture(backend, probe, 'after'), watchedChains(before, [tw]));
        expect(provenDrop(before, now, clientToServer)?.kind, probe).to.equal(kind);
        // Nothing moved yet: no proof.
        expect(provenDrop(before, only(before, watchedChains(before, [tw])), clientToServer), probe).to.equal(undefined);
      }
    });

    it(`${backend}: never calls an allowed probe blocked`, () => {
      const before = loadCapture(backend, 'tcp-8080-allowed', 'before');
      expect(provenDrop(before, loadCapture(backend, 'tcp-8080-allowed', 'after'), clientToServer)).to.equal(undefined);
    });
  }

  it('reads the proof from a real felix ruleset and a real chain listing', () => {
    const before = parseTableRead('iptables-nft', captureText('felix-v3.31.0-iptables-nft-deny-all-ingress.before.txt'));
    const now = parseChainRead('iptables-nft', captureText('felix-v3.31.0-iptables-nft-deny-all-ingress.chains.txt'));
    const proof = provenDrop(before, now, { destinationInterface: 'calic510660259c' });
    expect(proof?.kind).to.equal('end-of-tier-drop');
    expect(proof?.decidedBy?.packets).to.equal(6);
    expect(proof?.decidedBy?.rule.comments).to.include('End of tier default. Drop if no policies passed packet');
  });
});
