import { expect } from 'chai';
import { calicoBootstrapObjects, felixDataplaneEnv } from './calico.ts';
import { fixtureServerArgv } from './pods.ts';

describe('netns calico bootstrap', () => {
  it('creates what EnsureInitialized does: ClusterInformation with datastoreReady and the three tiers', () => {
    const objects = calicoBootstrapObjects('v3.32.1', 2);
    const info = objects.find((o) => o.kind === 'ClusterInformation');
    expect(info?.metadata.name).to.equal('default');
    expect((info?.spec as { datastoreReady: boolean; calicoVersion: string }).datastoreReady).to.equal(true);
    const tiers = objects.filter((o) => o.kind === 'Tier').map((t) => [t.metadata.name, (t.spec as { defaultAction: string }).defaultAction]);
    expect(tiers).to.deep.equal([
      ['default', 'Deny'],
      ['adminnetworkpolicy', 'Pass'],
      ['baselineadminnetworkpolicy', 'Pass'],
    ]);
    expect(objects.filter((o) => o.kind === 'Node').map((n) => n.metadata.annotations?.['projectcalico.org/IPv4Address'])).to.deep.equal([
      '10.99.0.10/24',
      '10.99.0.11/24',
    ]);
    const pool = objects.find((o) => o.kind === 'IPPool')?.spec as { cidr: string; natOutgoing: boolean };
    expect(pool).to.include({ cidr: '192.168.0.0/16', natOutgoing: false });
  });

  it('adds an IPv6 pool, IPv6 node addresses and IPv6 podCIDRs on a dual-stack cluster', () => {
    expect(calicoBootstrapObjects('v3.32.1', 2).filter((o) => o.kind === 'IPPool')).to.have.length(1);
    const objects = calicoBootstrapObjects('v3.32.1', 2, true);
    const pools = objects.filter((o) => o.kind === 'IPPool').map((o) => o.spec as { cidr: string; blockSize: number; natOutgoing: boolean });
    expect(pools.map((p) => [p.cidr, p.blockSize, p.natOutgoing])).to.deep.equal([
      ['192.168.0.0/16', 26, false],
      ['fd00:192:168::/48', 122, false],
    ]);
    const nodes = objects.filter((o) => o.kind === 'Node');
    expect(nodes.map((n) => n.metadata.annotations?.['projectcalico.org/IPv6Address'])).to.deep.equal(['fd00:10:99::10/64', 'fd00:10:99::11/64']);
    expect((nodes[1]?.spec as { podCIDRs: string[] }).podCIDRs).to.deep.equal(['192.168.1.0/24', 'fd00:192:168:1::/64']);
  });

  it('selects the dataplane explicitly for each mode', () => {
    expect(felixDataplaneEnv('iptables-nft')).to.deep.equal({ FELIX_IPTABLESBACKEND: 'NFT', FELIX_NFTABLESMODE: 'Disabled' });
    expect(felixDataplaneEnv('iptables-legacy')).to.deep.equal({ FELIX_IPTABLESBACKEND: 'Legacy', FELIX_NFTABLESMODE: 'Disabled' });
    expect(felixDataplaneEnv('nftables')).to.deep.equal({ FELIX_NFTABLESMODE: 'Enabled' });
  });

  it('serves HTTP through the fixture script and echoes TCP and UDP', () => {
    expect(fixtureServerArgv({ port: 80, protocol: 'TCP', http: true }, 'web', '/w/http.sh')).to.deep.equal([
      'socat', '-T', '10', 'TCP4-LISTEN:80,reuseaddr,fork', 'EXEC:/bin/sh /w/http.sh web',
    ]);
    expect(fixtureServerArgv({ port: 81, protocol: 'TCP' }, 'web', '/w/http.sh').at(-1)).to.equal('PIPE');
    expect(fixtureServerArgv({ port: 53, protocol: 'UDP' }, 'web', '/w/http.sh')[1]).to.equal('UDP4-RECVFROM:53,reuseaddr,fork');
  });

  it('serves both families from one IPv6 socket on a dual-stack host', () => {
    expect(fixtureServerArgv({ port: 80, protocol: 'TCP', http: true }, 'web', '/w/http.sh', true)[3]).to.equal('TCP6-LISTEN:80,ipv6only=0,reuseaddr,fork');
    expect(fixtureServerArgv({ port: 53, protocol: 'UDP' }, 'web', '/w/http.sh', true)[1]).to.equal('UDP6-RECVFROM:53,ipv6only=0,reuseaddr,fork');
  });
});
