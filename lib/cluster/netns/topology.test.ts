import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { externalHostIp, nodeIp, podBlock, podIp, resourcePattern, resourcePrefix, runNames, workloadInterfaceName } from './topology.ts';

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
});
