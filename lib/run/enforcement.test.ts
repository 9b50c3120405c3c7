// Enforcement read from real felix v3.31.0 rules (lib/counters/testdata, captured by the netns
// provider's e2e test): a deny-all-ingress policy on netns-e2e/server, on node-1.
import { expect } from 'chai';
import { endpointChain, parseIptablesSave, parseNftJson, podProgrammed, policyChainsOf } from '../counters/index.ts';
import { captureText } from '../counters/testdata/captures.ts';
import type { Model, NetworkPolicy } from '../model/types.ts';
import { checkEnforcement } from './enforcement.ts';

const ns = 'netns-e2e';
const model: Model = {
  namespaces: [{ name: ns, labels: { 'kubernetes.io/metadata.name': ns } }],
  pods: [
    { namespace: ns, name: 'server', labels: { app: 'server' }, ports: [] },
    { namespace: ns, name: 'client-same-node', labels: { app: 'client' }, ports: [] },
  ],
  externals: [],
};
const denyAll: NetworkPolicy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'deny-all-ingress', namespace: ns },
  spec: { podSelector: { matchLabels: { app: 'server' } }, policyTypes: ['Ingress'] },
};
const podNodes = new Map([
  [`${ns}/server`, 'node-1'],
  [`${ns}/client-same-node`, 'node-1'],
]);

for (const version of ['v3.31.0', 'v3.31.7', 'v3.32.1'])
for (const [backend, parse, ext] of [
  ['iptables-nft', (t: string) => parseIptablesSave(t), 'txt'],
  ['iptables-legacy', (t: string) => parseIptablesSave(t, { backend: 'legacy' }), 'txt'],
  ['nftables', parseNftJson, 'json'],
] as const) {
  describe(`enforcement read from felix ${version} rules (${backend})`, () => {
    const before = parse(captureText(`felix-${version}-${backend}-deny-all-ingress.before.${ext}`));
    const after = parse(captureText(`felix-${version}-${backend}-deny-all-ingress.after.${ext}`));
    const view = (snapshot: typeof after) => ({ podNodes, snapshots: new Map([['node-1', snapshot]]), calicoVersion: version });

    it('sees both endpoint chains of a programmed pod', () => {
      expect(podProgrammed(after, model.pods[0]!)).to.equal(true);
      expect(podProgrammed(after, { namespace: ns, name: 'not-there' })).to.equal(false);
    });

    it('finds the policy chain the server\'s ingress reaches, and only there', () => {
      expect([...policyChainsOf(after, endpointChain(model.pods[0]!, 'ingress'))]).to.have.length(1);
      expect([...policyChainsOf(after, endpointChain(model.pods[0]!, 'egress'))]).to.deep.equal([]);
      expect([...policyChainsOf(after, endpointChain(model.pods[1]!, 'ingress'))]).to.deep.equal([]);
    });

    // Both captures have the policy applied (before/after the probes); a policy felix never saw
    // stands in for "not applied yet" and "deleted".
    const other: NetworkPolicy = { ...denyAll, metadata: { ...denyAll.metadata, name: 'not-applied' } };

    it('calls an applied policy enforced, and one felix never saw not enforced', () => {
      expect(checkEnforcement(model, [denyAll], view(after)).missing).to.deep.equal([]);
      expect(checkEnforcement(model, [other], view(after)).missing).to.deep.equal([
        `ingress of ${ns}/server on node-1 does not reach ${ns}/not-applied`,
      ]);
    });

    it('knows when a policy is gone, and when it is still there', () => {
      expect(checkEnforcement(model, [other], view(before), true).missing).to.deep.equal([]);
      expect(checkEnforcement(model, [denyAll], view(after), true).missing).to.deep.equal([
        `ingress of ${ns}/server on node-1 still reaches ${ns}/deny-all-ingress`,
      ]);
    });
  });
}
