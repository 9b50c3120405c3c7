import { expect } from 'chai';
import { ChecksumMismatchError, customizeCalicoManifest, felixEnv, manifestImages, podContainers, sha256Hex, verifySha256 } from './manifest.ts';

const manifest = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: felixconfigurations.crd.projectcalico.org
---
# comment-only document
---
kind: DaemonSet
apiVersion: apps/v1
metadata:
  name: calico-node
  namespace: kube-system
spec:
  template:
    spec:
      initContainers:
        - name: install-cni
          image: quay.io/calico/cni:v3.32.1
      containers:
        - name: calico-node
          image: quay.io/calico/node:v3.32.1
          env:
            - name: DATASTORE_TYPE
              value: "kubernetes"
            - name: FELIX_IPTABLESBACKEND
              value: "Auto"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: calico-kube-controllers
  namespace: kube-system
spec:
  template:
    spec:
      containers:
        - name: calico-kube-controllers
          image: quay.io/calico/kube-controllers:v3.32.1
`;

describe('Calico manifest', () => {
  it('verifies sha256 and names expected and actual on a mismatch, in one line', () => {
    const good = sha256Hex(manifest);
    expect(() => verifySha256(manifest, good, 'm')).not.to.throw();
    expect(() => verifySha256(manifest, good.toUpperCase(), 'm')).not.to.throw();
    const bad = '0'.repeat(64);
    try {
      verifySha256(manifest + ' ', bad, 'Calico v3.32.1 manifest');
      expect.fail('accepted a mismatch');
    } catch (e) {
      expect(e).to.be.instanceOf(ChecksumMismatchError);
      const message = (e as Error).message;
      expect(message).to.contain(`expected ${bad}`).and.contain(`got ${sha256Hex(manifest + ' ')}`).and.contain('refusing');
      expect(message).not.to.contain('\n');
    }
  });

  it('sets felix env per dataplane, replacing the manifest\'s own values', () => {
    for (const [dataplane, backend, nft] of [
      ['iptables-nft', 'NFT', 'Disabled'],
      ['iptables-legacy', 'Legacy', 'Disabled'],
      ['nftables', 'NFT', 'Enabled'],
    ] as const) {
      const objects = customizeCalicoManifest(manifest, { dataplane });
      const node = podContainers(objects.find((o) => o.metadata.name === 'calico-node')!).find((c) => c.name === 'calico-node')!;
      const env = Object.fromEntries((node.env ?? []).map((e) => [e.name, e.value]));
      expect(env).to.deep.include({
        DATASTORE_TYPE: 'kubernetes',
        FELIX_IPTABLESBACKEND: backend,
        FELIX_NFTABLESMODE: nft,
        FELIX_XDPENABLED: 'false',
      });
      expect((node.env ?? []).filter((e) => e.name === 'FELIX_IPTABLESBACKEND')).to.have.length(1);
    }
  });

  it('passes extra felix settings as FELIX_ env and moves images to a mirror', () => {
    expect(felixEnv({ dataplane: 'iptables-nft', felixSettings: { DefaultEndpointToHostAction: 'Accept' } })).to.include({
      FELIX_DEFAULTENDPOINTTOHOSTACTION: 'Accept',
    });
    const objects = customizeCalicoManifest(manifest, { dataplane: 'iptables-nft', registryMirror: 'mirror.local/q' });
    expect(objects.map((o) => o.kind)).to.deep.equal(['CustomResourceDefinition', 'DaemonSet', 'Deployment']);
    expect(manifestImages(objects)).to.deep.equal([
      'mirror.local/q/calico/cni:v3.32.1',
      'mirror.local/q/calico/node:v3.32.1',
      'mirror.local/q/calico/kube-controllers:v3.32.1',
    ]);
  });

  it('makes Calico dual-stack: IPAM assigns both families, felix IPv6 support, the IPv6 pool, node IPv6 autodetected', () => {
    // calico-config as calico.yaml v3.32.1 ships it: a CNI config template, not JSON.
    const config = [
      'kind: ConfigMap',
      'apiVersion: v1',
      'metadata: {name: calico-config, namespace: kube-system}',
      'data:',
      '  cni_network_config: |-',
      '    {',
      '      "plugins": [',
      '        {',
      '          "type": "calico",',
      '          "mtu": __CNI_MTU__,',
      '          "ipam": {',
      '              "type": "calico-ipam"',
      '          },',
      '          "policy": {"type": "k8s"}',
      '        }',
      '      ]',
      '    }',
    ].join('\n');
    const objects = customizeCalicoManifest(`${config}\n---\n${manifest}`, { dataplane: 'iptables-nft', ipv6PoolCidr: 'fd00:10:244::/56' });
    const cni = (objects[0] as unknown as { data: { cni_network_config: string } }).data.cni_network_config;
    const ipam = JSON.parse(cni.replace('__CNI_MTU__', '0')).plugins[0].ipam;
    expect(ipam).to.deep.equal({ type: 'calico-ipam', assign_ipv4: 'true', assign_ipv6: 'true' });
    const node = podContainers(objects.find((o) => o.metadata.name === 'calico-node')!).find((c) => c.name === 'calico-node')!;
    const env = Object.fromEntries((node.env ?? []).map((e) => [e.name, e.value]));
    expect(env).to.deep.include({ FELIX_IPV6SUPPORT: 'true', IP6: 'autodetect', CALICO_IPV6POOL_CIDR: 'fd00:10:244::/56', CALICO_IPV6POOL_NAT_OUTGOING: 'true' });
    // Single-stack leaves all of it alone.
    expect(felixEnv({ dataplane: 'iptables-nft' })).to.not.have.property('FELIX_IPV6SUPPORT');
    expect(() => customizeCalicoManifest(manifest, { dataplane: 'iptables-nft', ipv6PoolCidr: 'fd00:10:244::/56' })).to.throw(/cni_network_config/);
  });

  it('rejects a manifest without calico-node', () => {
    expect(() => customizeCalicoManifest('kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\n', { dataplane: 'nftables' })).to.throw(/calico-node/);
  });
});
