// NetworkPolicyPeer matching: which endpoints a rule's from/to list admits.
import type { NetworkPolicyPeer } from '../model/types.ts';
import { cidrContainsIp, parseCidr } from './cidr.ts';
import type { ResolvedEndpoint } from './endpoint.ts';
import { selectorMatches } from './selector.ts';

/** A missing or empty from/to admits every endpoint, in or out of the cluster; otherwise any peer may match (OR). */
export function peersMatch(
  peers: NetworkPolicyPeer[] | undefined,
  policyNamespace: string,
  endpoint: ResolvedEndpoint,
): boolean {
  if (!peers || peers.length === 0) return true;
  return peers.some((peer) => peerMatches(peer, policyNamespace, endpoint));
}

export function peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, endpoint: ResolvedEndpoint): boolean {
  if (peer.ipBlock) {
    // Pods match an ipBlock by their pod IP, as Calico does (the API leaves this to the
    // implementation). An endpoint with no known IP cannot match.
    const ip = endpoint.address;
    const cidr = parseCidr(peer.ipBlock.cidr);
    if (!ip || !cidr || !cidrContainsIp(cidr, ip)) return false;
    return !(peer.ipBlock.except ?? []).some((text) => {
      const except = parseCidr(text);
      return except !== undefined && cidrContainsIp(except, ip);
    });
  }
  // Selectors only ever select pods.
  if (endpoint.kind !== 'pod') return false;
  if (!peer.podSelector && !peer.namespaceSelector) return false; // rejected by validation; admits nothing
  const namespaceOk = peer.namespaceSelector
    ? selectorMatches(peer.namespaceSelector, endpoint.namespaceLabels)
    : endpoint.pod.namespace === policyNamespace; // podSelector alone: the policy's own namespace
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, endpoint.pod.labels) : true;
  return namespaceOk && podOk;
}
