import { expect } from 'chai';
import { ipSetFamily, ipSetReadCommand, parseIpSets, selectorSetsOf } from './ip-sets.ts';
import { parseIptablesSave } from './iptables-save.ts';

describe('IP sets', () => {
  it('reads `ipset save`: every set, members as addresses', () => {
    const sets = parseIpSets(
      'iptables-nft',
      [
        'create cali40s:5tZSWj_q6dVvWu3xMr0d007 hash:net family inet hashsize 1024 maxelem 1048576',
        'add cali40s:5tZSWj_q6dVvWu3xMr0d007 192.168.0.3',
        'add cali40s:5tZSWj_q6dVvWu3xMr0d007 192.168.1.4/32',
        'create cali40s:sgrnArs0Gn6pf2glwLBmNCs hash:net family inet hashsize 1024 maxelem 1048576',
        'add cali40network-ip-pools 192.168.0.0/16',
      ].join('\n'),
    );
    expect(Object.fromEntries(sets)).to.deep.equal({
      'cali40s:5tZSWj_q6dVvWu3xMr0d007': ['192.168.0.3', '192.168.1.4'],
      'cali40s:sgrnArs0Gn6pf2glwLBmNCs': [],
      'cali40network-ip-pools': ['192.168.0.0/16'],
    });
    expect(ipSetReadCommand('iptables-legacy')).to.deep.equal(['ipset', 'save']);
  });

  it('reads `nft -j list sets`: plain, prefix and range elements, and sets with none', () => {
    const sets = parseIpSets(
      'nftables',
      JSON.stringify({
        nftables: [
          { metainfo: { version: '1.0.6' } },
          { set: { family: 'ip', name: 'cali40s-sgrnArs0Gn6pf2glwLBmNCs', table: 'calico', elem: ['192.168.1.2', { prefix: { addr: '192.168.1.3', len: 32 } }] } },
          { set: { family: 'ip', name: 'cali40s-5tZSWj_q6dVvWu3xMr0d007', table: 'calico' } },
          { set: { family: 'ip', name: 'cali40network-ip-pools', table: 'calico', elem: [{ prefix: { addr: '192.168.0.0', len: 16 } }, { range: ['10.0.0.1', '10.0.0.9'] }] } },
        ],
      }),
    );
    expect(Object.fromEntries(sets)).to.deep.equal({
      'cali40s-sgrnArs0Gn6pf2glwLBmNCs': ['192.168.1.2', '192.168.1.3'],
      'cali40s-5tZSWj_q6dVvWu3xMr0d007': [],
      'cali40network-ip-pools': ['192.168.0.0/16', '10.0.0.1-10.0.0.9'],
    });
    expect(ipSetReadCommand('nftables')).to.deep.equal(['nft', '-j', 'list', 'sets']);
  });

  it('finds the selector sets a policy chain matches, not the other sets felix keeps', () => {
    const snapshot = parseIptablesSave(
      [
        '*filter',
        ':cali-pi-x - [0:0]',
        '[0:0] -A cali-pi-x -p tcp -m set --match-set cali40s:sgrnArs0Gn6pf2glwLBmNCs src -m multiport --dports 80 -j MARK --set-xmark 0x10000/0x10000',
        '[0:0] -A cali-pi-x -p tcp -m set --match-set cali40s:5tZSWj_q6dVvWu3xMr0d007 src -m set --match-set cali40this-host dst -j MARK --set-xmark 0x10000/0x10000',
        '[0:0] -A cali-pi-x -m set --match-set cali40s:sgrnArs0Gn6pf2glwLBmNCs src -j RETURN',
        'COMMIT',
      ].join('\n'),
    );
    expect(selectorSetsOf(snapshot.rules)).to.deep.equal(['cali40s:sgrnArs0Gn6pf2glwLBmNCs', 'cali40s:5tZSWj_q6dVvWu3xMr0d007']);
    expect(selectorSetsOf([{ ...snapshot.rules[0]!, text: '[{"match": {"right": "@cali60s-abc_DEF-1"}}]' }])).to.deep.equal(['cali60s-abc_DEF-1']);
    expect(ipSetFamily('cali60s-abc')).to.equal(6);
    expect(ipSetFamily('cali40s:abc')).to.equal(4);
  });
});
