import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { cidrContainsCidr, cidrContainsIp, parseCidr, parseIp } from '../../oracle/index.ts';
import { externalHostIp, externalHostIp6, nodeIp, nodeIp6, podBlock, podBlock6, eui64LinkLocal, podGateway6, podIp, podIp6, podNetwork, resourcePattern, resourcePrefix, runNames, workloadInterfaceName } from './topology.ts';

describe('netns topology', () => {
  it('prefixes every name with nc + 6 hex digits, which the clean sweep recognises', () => {
    const names = runNames('r1a2b3');
    expect(names.prefix).to.match(/^nc[0-9a-f]{6}$/);
    for (const name of [names.controlPlane, names.bridge, names.node(1), names.nodeUplink(1), names.externalUplink(3), names.pod(42), names.external(2)]) {
      expect(name).to.match(resourcePattern);
    }
    expect(resourcePrefix('nc00aa11')).to.equal('nc00aa11');
    expect(resourcePrefix('r1a2b3')).to.equal(resourcePrefix('r1a2b3'));
    expect(resourcePrefix('r1a2b3')).to.not.equal(resourcePrefix('r1a2b4'));
  });

  it('keeps interface names within the kernel limit of 15 characters', () => {
    const names = runNames('anything');
    for (const name of [names.bridge, names.nodeUplink(9), names.externalUplink(50)]) expect(name.length).to.be.at.most(15);
  });

  it('names the host-side veth as Calico CNI does: cali + sha1("<ns>.<pod>")[:11]', () => {
    const sha = createHash('sha1').update('default.web').digest('hex');
    expect(workloadInterfaceName('default', 'web')).to.equal(`cali${sha.slice(0, 11)}`);
    expect(workloadInterfaceName('default', 'web')).to.have.length(15);
  });

  it('gives each node its own pod block and node-network address', () => {
    expect([nodeIp(0), nodeIp(1)]).to.deep.equal(['10.99.0.10', '10.99.0.11']);
    expect(podBlock(1)).to.equal('192.168.1.0/24');
    expect(podIp(1, 0)).to.equal('192.168.1.2');
    expect(() => podIp(0, 253)).to.throw(/no pod addresses left/);
    expect(externalHostIp(0)).to.equal('10.99.0.200');
  });

  it('gives 235 external hosts distinct addresses that no node has, and refuses the next', () => {
    const hosts = Array.from({ length: 235 }, (_, k) => externalHostIp(k));
    expect(new Set(hosts).size).to.equal(235);
    expect(hosts.slice(54, 56)).to.deep.equal(['10.99.0.254', '10.99.0.20']);
    const nodes = Array.from({ length: 10 }, (_, i) => nodeIp(i));
    expect(hosts.filter((h) => nodes.includes(h))).to.deep.equal([]);
    expect(new Set(Array.from({ length: 235 }, (_, k) => externalHostIp6(k))).size).to.equal(235);
    expect(() => externalHostIp(235)).to.throw(/at most 235 external hosts/);
    expect(() => nodeIp(10)).to.throw(/at most 10 nodes/);
  });

  it('gives each node an IPv6 pod block and address beside the IPv4 ones, inside the IPv6 pool', () => {
    expect(nodeIp6(1)).to.equal('fd00:10:99::11');
    expect(podBlock6(1)).to.equal('fd00:192:168:1::/64');
    expect(podIp6(1, 0)).to.equal('fd00:192:168:1::2');
    expect(externalHostIp6(0)).to.equal('fd00:10:99::200');
    const pool = parseCidr(podNetwork.cidr6)!;
    expect(cidrContainsCidr(pool, parseCidr(podBlock6(7))!)).to.equal(true);
    expect(cidrContainsIp(parseCidr(podBlock6(7))!, parseIp(podIp6(7, 252))!)).to.equal(true);
  });

  it("uses the EUI-64 link-local address of Calico's ee:ee:ee:ee:ee:ee as the pods' IPv6 gateway", () => {
    // The constant Calico's CNI plugin waits for on the host side (dataplane_linux.go).
    expect(podGateway6).to.equal('fe80::ecee:eeff:feee:eeee');
    expect(eui64LinkLocal('52:54:00:12:34:56')).to.equal('fe80::5054:ff:fe12:3456');
    expect(() => eui64LinkLocal('ee:ee:ee')).to.throw(/not a MAC/);
  });
});
