// A small IPv4/IPv6 address and CIDR matcher for ipBlock peers (no I/O, no node:net).
// Addresses are compared as bigints within one family; an IPv4 address never matches an IPv6
// CIDR, including IPv4-mapped IPv6 forms (Calico programs the two families separately).

import type { IpFamily } from '../model/types.ts';

/** The IP version number of a parsed address (felix's ipVersion); see IpFamily for the name. */
export type IpVersion = 4 | 6;

export interface IpAddress {
  family: IpVersion;
  value: bigint;
}

export interface Cidr {
  family: IpVersion;
  /** The network address (host bits cleared, as Go's ParseCIDR returns it). */
  network: bigint;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Parses "addr/prefix". Host bits may be set ("10.0.0.1/24"), as Kubernetes accepts; they are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const address = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address || !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > BITS[address.family]) return undefined;
  return { family: address.family, network: address.value & mask(address.family, prefix), prefix };
}

/** The family of an address or CIDR ("fd00::1", "10.0.0.0/8"); undefined when it is neither. */
export function ipFamilyOf(text: string): IpFamily | undefined {
  const parsed = text.includes('/') ? parseCidr(text) : parseIp(text);
  if (!parsed) return undefined;
  return parsed.family === 4 ? 'IPv4' : 'IPv6';
}

/**
 * The address of `family` among an endpoint's addresses (`ip` first, then `ips`); without a
 * family, `ip` (a flow over the endpoint's primary address).
 */
export function addressOfFamily(endpoint: { ip?: string; ips?: string[] }, family: IpFamily | undefined): string | undefined {
  if (family === undefined) return endpoint.ip ?? endpoint.ips?.[0];
  return [endpoint.ip, ...(endpoint.ips ?? [])].find((ip) => ip !== undefined && ipFamilyOf(ip) === family);
}

export function cidrContainsIp(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && (ip.value & mask(cidr.family, cidr.prefix)) === cidr.network;
}

/** True when every address of `inner` is in `outer`. */
export function cidrContainsCidr(outer: Cidr, inner: Cidr): boolean {
  return (
    outer.family === inner.family &&
    inner.prefix >= outer.prefix &&
    (inner.network & mask(outer.family, outer.prefix)) === outer.network
  );
}

function mask(family: IpVersion, prefix: number): bigint {
  const bits = BITS[family];
  const all = (1n << BigInt(bits)) - 1n;
  return (all >> BigInt(bits - prefix)) << BigInt(bits - prefix);
}

function parseIpv4(text: string): bigint | undefined {
  const octets = text.split('.');
  if (octets.length !== 4) return undefined;
  let value = 0n;
  for (const octet of octets) {
    if (!/^\d{1,3}$/.test(octet) || Number(octet) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(octet));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const count = head.length + tail.length;
  // "::" stands for at least one zero group; without it there must be exactly eight.
  if (halves.length === 2 ? count > 7 : count !== 8) return undefined;
  const all = [...head, ...Array<number>(8 - count).fill(0), ...tail];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

/** Hex groups of one side of "::"; a trailing dotted IPv4 counts as two groups. */
function groups(text: string): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const result: number[] = [];
  for (const [i, part] of parts.entries()) {
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4(part);
      if (v4 === undefined) return undefined;
      result.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
      result.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return result;
}
