// Fixture pods and external hosts as agnhost `porter`: every port in `serve` answers (HTTP GET
// with 200 on TCP ports, an echo of "probe" on UDP ports), and the same image carries the probe
// programs (nc, curl, ping) that lib/probe/command.ts runs. Pure.
import type { ContainerPort } from '../../model/types.ts';
import type { KubeObject } from '../../kube/client.ts';
import type { FixturePod } from '../provider.ts';
import { labelValue, runIdNodeLabel } from './config.ts';

export const fixtureContainer = 'fixture';

/** porter's environment: SERVE_PORT_<n> (HTTP over TCP), SERVE_UDP_PORT_<n>, SERVE_SCTP_PORT_<n>. */
export function porterEnv(serve: readonly (ContainerPort & { http?: boolean })[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const port of serve) {
    const protocol = port.protocol ?? 'TCP';
    // The UDP probe sends "probe" and expects it back: porter answers every datagram with this value.
    if (protocol === 'UDP') env[`SERVE_UDP_PORT_${port.port}`] = 'probe';
    else if (protocol === 'SCTP') env[`SERVE_SCTP_PORT_${port.port}`] = 'probe';
    else env[`SERVE_PORT_${port.port}`] = 'ok';
  }
  return env;
}

/** porter when there is something to serve, else agnhost's `pause`. */
export function agnhostArgs(serve: readonly ContainerPort[]): string[] {
  return serve.length > 0 ? ['porter'] : ['pause'];
}

export function fixturePodObject(pod: FixturePod, options: { image: string; runId: string }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: pod.name,
      namespace: pod.namespace,
      labels: { ...pod.labels, [runIdNodeLabel]: labelValue(options.runId) },
    },
    spec: {
      ...(pod.node ? { nodeName: pod.node } : {}),
      ...(pod.serviceAccount !== undefined ? { serviceAccountName: pod.serviceAccount } : {}),
      terminationGracePeriodSeconds: 0,
      automountServiceAccountToken: false,
      containers: [
        {
          name: fixtureContainer,
          image: options.image,
          imagePullPolicy: 'IfNotPresent',
          args: agnhostArgs(pod.serve),
          env: Object.entries(porterEnv(pod.serve)).map(([name, value]) => ({ name, value })),
          ports: pod.serve.map((p) => ({
            containerPort: p.port,
            protocol: p.protocol ?? 'TCP',
            ...(p.name ? { name: p.name } : {}),
          })),
          // Probes ping from inside the pod: busybox ping needs a raw socket.
          securityContext: { capabilities: { add: ['NET_RAW'] } },
        },
      ],
    },
  };
}
