// The topology Kubernetes' netpol e2e uses (test/e2e/network/netpol): namespaces x, y, z with pods
// a, b, c each serving 80 and 81 over TCP, UDP and SCTP on ports named serve-<port>-<proto>.
// Used by the oracle's tests and by anyone who wants a ready Model with IPs.
import type { ContainerPort, Model, NetworkPolicy, NetworkPolicySpec, PortProtocol } from '../model/types.ts';

const NAMESPACES = ['x', 'y', 'z'] as const;
const PODS = ['a', 'b', 'c'] as const;
const PROTOCOLS: PortProtocol[] = ['TCP', 'UDP', 'SCTP'];

/** Pod IPs are 10.0.<ns index>.<pod index + 1>, e.g. x/a = 10.0.0.1, y/b = 10.0.1.2. */
export function netpolE2eModel(externals: Model['externals'] = []): Model {
  const ports: ContainerPort[] = [80, 81].flatMap((port) =>
    PROTOCOLS.map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, port, protocol })),
  );
  return {
    namespaces: NAMESPACES.map((ns) => ({ name: ns, labels: { 'kubernetes.io/metadata.name': ns, ns } })),
    pods: NAMESPACES.flatMap((ns, n) =>
      PODS.map((pod, p) => ({ namespace: ns, name: pod, labels: { pod }, ip: `10.0.${n}.${p + 1}`, ports })),
    ),
    externals,
  };
}

export function networkPolicy(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec };
}
