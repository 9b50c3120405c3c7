import { expect } from 'chai';
import { workloadInterfaceName } from './interface-name.ts';
import type { PolicyRef } from './policy-chains.ts';
import { lengthLimitedId, policyChainComment, policyChainName, policyId, profileChainName, resolvePolicyChains, schemeForVersion } from './policy-chains.ts';
import { calicoChainName, chainRole } from './chains.ts';
import { parseIptablesSave } from './iptables-save.ts';
import { parseNftJson } from './nft-json.ts';
import { CAPTURE_BACKENDS, captureMeta, captureText, loadCapture } from './testdata/captures.ts';
import type { CounterBackend, CounterSnapshot } from './types.ts';

// Expected names printed by a Go program with the body of libcalico-go/lib/hash GetLengthLimitedID.
describe('lengthLimitedId (hashutils.GetLengthLimitedID)', () => {
  const cases: [string, string, string][] = [
    ['cali-pi-', 'knp/ncnt/knp.default.allow-client-to-server', 'cali-pi-_LIFhOmCogiL45im70aO'],
    ['cali-pi-', 'knp/ncnt/allow-client-to-server', 'cali-pi-_M3aoqMA7WvjIJT4Or74'],
    ['cali-po-', 'KubernetesNetworkPolicy/default/knp.default.deny-all', 'cali-po-_2iR6EWUfW2aj39VgJGA'],
    ['cali-pi-', 'default/default/knp.default.deny-all', 'cali-pi-_a8Tnfi9CcN2Hw2ASudn'],
    ['cali-pi-', 'np/ncnt/deny-udp-5353', 'cali-pi-_Njo_8PC1N06iNvKCXKs'],
    ['cali-pi-', 'default/ai', 'cali-pi-default/ai'],
    ['cali-pi-', '12345678901234567890', 'cali-pi-12345678901234567890'],
    ['cali-pi-', '_2345678901234567890', 'cali-pi-_NRWGJbcgjLYWITkwn5H'],
    ['cali-pro-', 'ksa.kube-system.calico-kube-controllers', 'cali-pro-_PTRGc0U-L5Kz7V6ERW'],
    ['cali-pi-', '', 'cali-pi-_'],
  ];
  for (const [prefix, suffix, want] of cases) {
    it(`${prefix}${JSON.stringify(suffix)} -> ${want}`, () => expect(lengthLimitedId(prefix, suffix)).to.equal(want));
  }
});

describe('policyChainName', () => {
  const denyAll: PolicyRef = { namespace: 'default', name: 'deny-all' };

  it('spells the policy id and chain comment the way each felix line does', () => {
    expect(policyId(denyAll, 'kind-namespace-name')).to.equal('knp/default/deny-all');
    expect(policyId(denyAll, 'tier-name')).to.equal('default/default/knp.default.deny-all');
    expect(policyId({ namespace: '', name: 'g', kind: 'GlobalNetworkPolicy', tier: 'security' }, 'tier-name')).to.equal('security/g');
    expect(policyId({ namespace: '', name: 'g', kind: 'GlobalNetworkPolicy' }, 'kind-namespace-name')).to.equal('gnp/g');
    expect(policyChainComment(denyAll, 'ingress', 'kind-namespace-name')).to.equal('KubernetesNetworkPolicy default/deny-all ingress');
    expect(policyChainComment(denyAll, 'egress', 'tier-name')).to.equal('Policy default/knp.default.deny-all egress');
    expect(schemeForVersion('v3.32.1')).to.equal('kind-namespace-name');
    expect(schemeForVersion('v3.32.1-patched')).to.equal('kind-namespace-name');
    expect(schemeForVersion('v3.31.7')).to.equal('tier-name');
    expect(schemeForVersion('v3.29.7')).to.equal('tier-name');
    expect(schemeForVersion('main')).to.equal(undefined);
  });

  it('names ingress and egress chains per version', () => {
    // The chain real felix v3.31.0 wrote for netns-e2e/deny-all-ingress (testdata/felix-v3.31.0-*).
    expect(policyChainName('ingress', { namespace: 'netns-e2e', name: 'deny-all-ingress' }, 'v3.31.0')).to.equal('cali-pi-_zhFjzXabQdWxx64oiiI');
    expect(policyChainName('egress', denyAll, 'v3.31.7')).to.equal('cali-po-_a8Tnfi9CcN2Hw2ASudn');
    expect(policyChainName('ingress', { namespace: 'ncnt', name: 'allow-client-to-server' }, 'v3.32.1')).to.equal(captureMeta.allowPolicyChain);
    expect(policyChainName('ingress', { namespace: 'ncnt', name: 'deny-udp-5353', kind: 'NetworkPolicy' }, 'v3.32.1')).to.equal(
      captureMeta.denyPolicyChain,
    );
  });

  it('names profile chains from the profile name', () => {
    expect(profileChainName('ingress', 'kns.default')).to.equal('cali-pri-kns.default');
  });
});

describe('resolvePolicyChains', () => {
  const policies: PolicyRef[] = [
    { namespace: 'ncnt', name: 'allow-client-to-server' },
    { namespace: 'ncnt', name: 'deny-udp-5353', kind: 'NetworkPolicy' },
    { namespace: 'other', name: 'allow-client-to-server' },
  ];
  const chains = [captureMeta.allowPolicyChain, captureMeta.denyPolicyChain, 'cali-pi-_unknownunknownunkn', 'cali-tw-cali1'];

  it("prefers felix's own chain comment when the snapshot has one", () => {
    const snapshot = loadCapture('iptables-legacy', 'tcp-8080-allowed', 'after');
    const got = resolvePolicyChains(chains, policies, { snapshot });
    expect([...got.values()].map((r) => [r.chain, r.ref, r.via, r.direction])).to.deep.equal([
      [captureMeta.allowPolicyChain, 'ncnt/allow-client-to-server', 'comment', 'ingress'],
      [captureMeta.denyPolicyChain, 'ncnt/deny-udp-5353', 'comment', 'ingress'],
    ]);
  });

  it("falls back to the hash with the felix version's scheme, or every scheme when the version is unknown", () => {
    const bare: CounterSnapshot = { ...loadCapture('nftables', 'tcp-8080-allowed', 'after'), rules: [] };
    const got = resolvePolicyChains(['filter-' + captureMeta.allowPolicyChain], policies, { snapshot: bare, calicoVersion: 'v3.32.1' });
    expect(got.get(captureMeta.allowPolicyChain)).to.deep.include({ ref: 'ncnt/allow-client-to-server', via: 'hash:kind-namespace-name' });
    // A v3.32 chain is not a v3.31 policy's.
    expect(resolvePolicyChains([captureMeta.allowPolicyChain], policies, { calicoVersion: 'v3.31.7' }).size).to.equal(0);
    const v331 = policyChainName('egress', { namespace: 'other', name: 'allow-client-to-server' }, 'v3.31.7');
    expect(resolvePolicyChains([v331], policies).get(v331)).to.deep.include({ ref: 'other/allow-client-to-server', via: 'hash:tier-name' });
  });
});

describe('workloadInterfaceName', () => {
  it('is cali + sha1("<namespace>.<pod>")[:11], matching the CNI wiring of the captures', () => {
    expect(workloadInterfaceName('ncnt', 'client')).to.equal(captureMeta.client.interface);
    expect(workloadInterfaceName('ncnt', 'server')).to.equal('cali35dabcc9ce4');
    expect(workloadInterfaceName('ncnt', 'server', 'tap')).to.equal('tap35dabcc9ce4');
  });
});

describe('policy chains in real felix rulesets (testdata/felix-<version>-<backend>-deny-all-ingress)', () => {
  const policy: PolicyRef = { namespace: 'netns-e2e', name: 'deny-all-ingress' };
  const parse = (version: string, backend: CounterBackend): CounterSnapshot => {
    const text = captureText(`felix-${version}-${backend}-deny-all-ingress.after.${backend === 'nftables' ? 'json' : 'txt'}`);
    return backend === 'nftables' ? parseNftJson(text) : parseIptablesSave(text, { backend: backend === 'iptables-nft' ? 'nft' : 'legacy' });
  };
  const policyChains = (snapshot: CounterSnapshot): string[] => [
    ...new Set(snapshot.rules.map((r) => calicoChainName(r.chain)).filter((c) => chainRole(c) === 'policy-ingress')),
  ];
  for (const version of ['v3.31.7', 'v3.32.1']) {
    for (const backend of CAPTURE_BACKENDS) {
      it(`felix ${version} ${backend}: the chain name and comment are the ones computed for ${version}`, () => {
        const snapshot = parse(version, backend);
        const scheme = schemeForVersion(version)!;
        const expectedName = backend === 'nftables' ? `cali-pi-${policyId(policy, scheme)}` : policyChainName('ingress', policy, version);
        expect(policyChains(snapshot)).to.deep.equal([expectedName]);
        const comments = snapshot.rules.filter((r) => calicoChainName(r.chain) === expectedName).flatMap((r) => r.comments);
        expect(comments).to.include(policyChainComment(policy, 'ingress', scheme));
        expect(resolvePolicyChains([expectedName], [policy], { snapshot, calicoVersion: version }).get(expectedName)).to.deep.include({ via: 'comment' });
        const bare = { ...snapshot, rules: [] };
        expect(resolvePolicyChains([expectedName], [policy], { snapshot: bare, calicoVersion: version }).get(expectedName)).to.deep.include({ via: `hash:${scheme}` });
        // The other version's spelling does not name this chain.
        const other = version === 'v3.32.1' ? 'v3.31.7' : 'v3.32.1';
        expect(resolvePolicyChains([expectedName], [policy], { snapshot: bare, calicoVersion: other }).size).to.equal(0);
      });
    }
  }
});
