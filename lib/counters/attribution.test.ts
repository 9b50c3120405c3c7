import { expect } from 'chai';
import type { Attribution, AttributionContext, DecisionKind } from './attribution.ts';
import { attribute } from './attribution.ts';
import { calicoChainName } from './chains.ts';
import { diffSnapshots } from './diff.ts';
import { parseIptablesSave } from './iptables-save.ts';
import type { CaptureProbe } from './testdata/captures.ts';
import { CAPTURE_BACKENDS, captureMeta, loadCapture } from './testdata/captures.ts';
import type { CounterBackend } from './types.ts';

const { client, server, allowPolicyChain, denyPolicyChain } = captureMeta;
const clientToServer: AttributionContext = { sourceInterface: client.interface, destinationInterface: server.interface };

interface Expected {
  probe: CaptureProbe;
  ctx: AttributionContext;
  kind: DecisionKind;
  verdict: Attribution['verdict'];
  /** Logical chain holding the deciding rule. */
  decidingChain: string;
  decidingComment?: string;
  stages: [string, DecisionKind][];
}

const EXPECTED: Expected[] = [
  {
    probe: 'tcp-8080-allowed',
    ctx: clientToServer,
    kind: 'policy-allow',
    verdict: 'allowed',
    decidingChain: allowPolicyChain,
    decidingComment: 'KubernetesNetworkPolicy ncnt/allow-client-to-server ingress',
    stages: [
      [`cali-fw-${client.interface}`, 'profile-allow'],
      [`cali-tw-${server.interface}`, 'policy-allow'],
    ],
  },
  {
    probe: 'tcp-9090-blocked',
    ctx: clientToServer,
    kind: 'end-of-tier-drop',
    verdict: 'blocked',
    decidingChain: `cali-tw-${server.interface}`,
    decidingComment: 'End of tier default. Drop if no policies passed packet',
    stages: [
      [`cali-fw-${client.interface}`, 'profile-allow'],
      [`cali-tw-${server.interface}`, 'end-of-tier-drop'],
    ],
  },
  {
    probe: 'udp-5353-denied',
    ctx: clientToServer,
    kind: 'policy-deny',
    verdict: 'blocked',
    decidingChain: denyPolicyChain,
    stages: [
      [`cali-fw-${client.interface}`, 'profile-allow'],
      [`cali-tw-${server.interface}`, 'policy-deny'],
    ],
  },
  {
    probe: 'icmp-server-to-client',
    ctx: { sourceInterface: server.interface, destinationInterface: client.interface },
    kind: 'profile-allow',
    verdict: 'allowed',
    decidingChain: 'cali-pri-kns.ncnt',
    decidingComment: 'Profile kns.ncnt ingress',
    stages: [
      [`cali-fw-${server.interface}`, 'profile-allow'],
      [`cali-tw-${client.interface}`, 'profile-allow'],
    ],
  },
];

function attributeCapture(backend: CounterBackend, probe: CaptureProbe, ctx: AttributionContext): Attribution {
  return attribute(diffSnapshots(loadCapture(backend, probe, 'before'), loadCapture(backend, probe, 'after')), ctx);
}

describe('attribute', () => {
  for (const backend of CAPTURE_BACKENDS) {
    for (const e of EXPECTED) {
      it(`${backend}: ${e.probe} is ${e.kind} in ${e.decidingChain}`, () => {
        const a = attributeCapture(backend, e.probe, e.ctx);
        expect(a.kind).to.equal(e.kind);
        expect(a.verdict).to.equal(e.verdict);
        expect(calicoChainName(a.decidedBy?.rule.chain ?? '')).to.equal(e.decidingChain);
        if (e.decidingComment) expect(a.decidedBy?.rule.comments).to.include(e.decidingComment);
        expect(a.stages.map((s) => [s.endpointChain, s.kind])).to.deep.equal(e.stages);
      });
    }

    it(`${backend}: reads the verdict marks from the rules`, () => {
      const a = attributeCapture(backend, 'tcp-8080-allowed', clientToServer);
      expect(a.marks).to.deep.equal({ accept: 0x10000, pass: 0x20000, drop: 0x40000 });
    });
  }

  it('links an allow to the endpoint chain rule that acted on the accept mark', () => {
    const a = attributeCapture('iptables-legacy', 'tcp-8080-allowed', clientToServer);
    const ingress = a.stages[1];
    expect(ingress?.policyChain).to.equal(allowPolicyChain);
    expect(ingress?.returnedBy?.rule.comments).to.include('Return if policy accepted');
    expect(a.policyChains).to.include(allowPolicyChain);
    expect(a.profileChains).to.include('cali-pro-kns.ncnt');
  });

  it('without interfaces, judges every endpoint chain that moved', () => {
    const a = attributeCapture('nftables', 'tcp-9090-blocked', {});
    expect(a.kind).to.equal('end-of-tier-drop');
    expect(a.stages.map((s) => s.direction)).to.deep.equal(['egress', 'ingress']);
  });

  it('says no-policy when no endpoint chain of the probe moved', () => {
    const a = attributeCapture('iptables-legacy', 'tcp-9090-blocked', { sourceInterface: 'cali00000000000', destinationInterface: 'cali11111111111' });
    expect(a).to.deep.include({ kind: 'no-policy', verdict: 'unknown', stages: [] });
  });

  it('reads old felix marks (0x1000000 accept, 0x2000000 pass) without configuration', () => {
    const before = parseIptablesSave(oldFelix(0, 0));
    const after = parseIptablesSave(oldFelix(3, 0));
    const a = attribute(diffSnapshots(before, after), { destinationInterface: 'cali1' });
    expect(a.marks).to.include({ accept: 0x1000000, pass: 0x2000000 });
    expect(a.kind).to.equal('end-of-tier-drop');
    expect(a.decidedBy?.packets).to.equal(3);
  });

  it('breaks an allow/drop tie with the observed connectivity, else reports conflicting', () => {
    const delta = diffSnapshots(parseIptablesSave(oldFelix(0, 0)), parseIptablesSave(oldFelix(1, 1)));
    expect(attribute(delta, { destinationInterface: 'cali1' }).kind).to.equal('conflicting');
    expect(attribute(delta, { destinationInterface: 'cali1', observed: 'blocked' }).kind).to.equal('end-of-tier-drop');
    expect(attribute(delta, { destinationInterface: 'cali1', observed: 'allowed' }).kind).to.equal('policy-allow');
  });
});

/** Felix 2.x-era endpoint chain (the marks the 2017 write-ups show). */
function oldFelix(dropped: number, accepted: number): string {
  return [
    '*filter',
    ':cali-tw-cali1 - [0:0]',
    ':cali-pi-k8s-policy-no-match - [0:0]',
    '[4:240] -A cali-tw-cali1 -m comment --comment "cali:sAqqMOm5MZXqQAUe" -j MARK --set-xmark 0x0/0x1000000',
    '[4:240] -A cali-tw-cali1 -m comment --comment "cali:UgzfB7pIpttGentJ" -m comment --comment "Start of policies" -j MARK --set-xmark 0x0/0x2000000',
    '[4:240] -A cali-tw-cali1 -m comment --comment "cali:oUVuAcRtBM6X0N1K" -m mark --mark 0x0/0x2000000 -j cali-pi-k8s-policy-no-match',
    `[${accepted}:0] -A cali-tw-cali1 -m comment --comment "cali:O-cdytwc1nthm-NW" -m comment --comment "Return if policy accepted" -m mark --mark 0x1000000/0x1000000 -j RETURN`,
    `[${dropped}:0] -A cali-tw-cali1 -m comment --comment "cali:a_rcCvBkbSz_y1oA" -m comment --comment "Drop if no policies passed packet" -m mark --mark 0x0/0x2000000 -j DROP`,
    `[${accepted}:0] -A cali-pi-k8s-policy-no-match -m comment --comment "cali:x" -p tcp -j MARK --set-xmark 0x1000000/0x1000000`,
    'COMMIT',
  ].join('\n');
}
