import { expect } from 'chai';
import { cidrContainsCidr, cidrContainsIp, parseCidr, parseIp } from './cidr.ts';

function contains(cidr: string, ip: string): boolean {
  return cidrContainsIp(parseCidr(cidr)!, parseIp(ip)!);
}

describe('cidr', () => {
  it('parses IPv4 and rejects malformed addresses', () => {
    expect(parseIp('10.0.0.1')).to.deep.equal({ family: 4, value: 0x0a000001n });
    for (const bad of ['10.0.0', '10.0.0.256', '10.0.0.1.2', 'a.b.c.d', '', '10..0.1']) {
      expect(parseIp(bad), bad).to.equal(undefined);
    }
  });

  it('parses IPv6 with :: compression and an embedded IPv4 tail', () => {
    expect(parseIp('::1')).to.deep.equal({ family: 6, value: 1n });
    expect(parseIp('2001:db8::1')!.value).to.equal(0x20010db8000000000000000000000001n);
    expect(parseIp('::ffff:10.0.0.1')!.value).to.equal(0xffff0a000001n);
    expect(parseIp('1:2:3:4:5:6:7:8')!.value).to.equal(0x00010002000300040005000600070008n);
    for (const bad of ['1::2::3', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '12345::', 'g::1', '1:2:3:4:5:6:7::8']) {
      expect(parseIp(bad), bad).to.equal(undefined);
    }
  });

  it('parses CIDRs, clearing host bits, and rejects bad prefixes', () => {
    expect(parseCidr('10.0.0.1/24')).to.deep.equal({ family: 4, network: 0x0a000000n, prefix: 24 });
    for (const bad of ['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', '10.0.0.0/-1', '10.0.0.0/a', 'x/8']) {
      expect(parseCidr(bad), bad).to.equal(undefined);
    }
  });

  it('matches IPv4 addresses by prefix, including /0 and /32', () => {
    expect(contains('10.0.0.0/24', '10.0.0.255')).to.equal(true);
    expect(contains('10.0.0.0/24', '10.0.1.0')).to.equal(false);
    expect(contains('0.0.0.0/0', '203.0.113.10')).to.equal(true);
    expect(contains('10.0.0.1/32', '10.0.0.1')).to.equal(true);
    expect(contains('10.0.0.1/32', '10.0.0.2')).to.equal(false);
  });

  it('matches IPv6 addresses by prefix and never across families', () => {
    expect(contains('2001:db8::/64', '2001:db8::abcd')).to.equal(true);
    expect(contains('2001:db8::/64', '2001:db8:0:1::1')).to.equal(false);
    expect(contains('::/0', '10.0.0.1')).to.equal(false);
    expect(contains('0.0.0.0/0', '::ffff:10.0.0.1')).to.equal(false);
  });

  it('tells whether one CIDR lies within another', () => {
    expect(cidrContainsCidr(parseCidr('10.0.0.0/16')!, parseCidr('10.0.3.0/24')!)).to.equal(true);
    expect(cidrContainsCidr(parseCidr('10.0.0.0/16')!, parseCidr('10.1.0.0/24')!)).to.equal(false);
    expect(cidrContainsCidr(parseCidr('10.0.0.0/24')!, parseCidr('10.0.0.0/16')!)).to.equal(false);
    expect(cidrContainsCidr(parseCidr('::/0')!, parseCidr('10.0.0.0/8')!)).to.equal(false);
  });
});
