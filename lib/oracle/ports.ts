// NetworkPolicyPort matching for one flow.
import type { NetworkPolicyPort, PodSpec } from '../model/types.ts';
import type { FlowProtocol } from './types.ts';

/**
 * A rule without ports allows every port and protocol (ICMP included). Otherwise the flow must
 * match one entry: same protocol (default TCP), and the port, an endPort range or the named port.
 * Port-less protocols (ICMP) never match a rule that lists ports.
 * `destination` is the pod receiving the flow; it resolves named ports. An external destination
 * (undefined) has no container ports, so a named port never matches it.
 */
export function portsMatch(
  ports: NetworkPolicyPort[] | undefined,
  protocol: FlowProtocol,
  port: number | undefined,
  destination: PodSpec | undefined,
): boolean {
  if (!ports || ports.length === 0) return true;
  if (protocol === 'ICMP') return false;
  return ports.some((entry) => portMatches(entry, protocol, port, destination));
}

function portMatches(
  entry: NetworkPolicyPort,
  protocol: FlowProtocol,
  port: number | undefined,
  destination: PodSpec | undefined,
): boolean {
  if ((entry.protocol ?? 'TCP') !== protocol) return false;
  if (entry.port === undefined) return true;
  if (port === undefined) return false;
  if (typeof entry.port === 'number') {
    return entry.endPort === undefined ? port === entry.port : port >= entry.port && port <= entry.endPort;
  }
  const name = entry.port;
  return (destination?.ports ?? []).some((p) => p.name === name && p.protocol === protocol && p.port === port);
}
