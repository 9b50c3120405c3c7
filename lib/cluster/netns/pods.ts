// Pod and external-host namespaces. Pods are wired exactly as Calico's CNI plugin wires them
// (cni-plugin/pkg/dataplane/linux/dataplane_linux.go): a veth with eth0 in the pod holding the
// pod IP /32, a link route to 169.254.1.1 and a default route through it; the host side,
// cali<sha1[:11]>, sits in the node namespace with MAC ee:ee:ee:ee:ee:ee, proxy ARP and a /32
// route to the pod. Fixture servers are socat processes inside the namespace.
import type { ContainerPort } from '../../model/types.ts';
import { addNetns, addNetnsSteps, ipBatch, ipBatchStep, netnsArgv, runSteps, sysctl, sysctlStep } from './ip.ts';
import type { Supervisor, SupervisedProcess } from './processes.ts';
import { nodeNetwork, podBlock } from './topology.ts';

export interface PodWiring {
  podNetns: string;
  nodeNetns: string;
  hostInterface: string;
  ip: string;
}

/**
 * Create the pod namespace and its veth, in one script (one process start: a run wires many
 * pods). Caller registers deletion of podNetns first.
 */
export async function wirePod(w: PodWiring): Promise<void> {
  await runSteps([
    ...addNetnsSteps(w.podNetns),
    ...ipBatchStep(w.podNetns, [`link add eth0 type veth peer name ${w.hostInterface} netns ${w.nodeNetns}`]),
    ...ipBatchStep(w.nodeNetns, [
      `link set ${w.hostInterface} address ee:ee:ee:ee:ee:ee`,
      `link set ${w.hostInterface} up`,
      `route add ${w.ip}/32 dev ${w.hostInterface} scope link`,
    ]),
    sysctlStep(w.nodeNetns, {
      [`net.ipv4.conf.${w.hostInterface}.proxy_arp`]: 1,
      [`net.ipv4.conf.${w.hostInterface}.route_localnet`]: 1,
      [`net.ipv4.conf.${w.hostInterface}.forwarding`]: 1,
      [`net.ipv4.neigh.${w.hostInterface}.proxy_delay`]: 0,
    }),
    ...ipBatchStep(w.podNetns, [
      `addr add ${w.ip}/32 dev eth0`,
      'link set eth0 up',
      'route add 169.254.1.1 dev eth0 scope link',
      'route add default via 169.254.1.1 dev eth0',
    ]),
  ]);
}

interface BridgedHost {
  controlPlane: string;
  bridge: string;
  uplink: string;
  netns: string;
  ip: string;
}

/** A new namespace whose eth0 sits on the control plane's bridge, with these extra routes (one script). */
async function attachToBridge(host: BridgedHost, routes: string[]): Promise<void> {
  await runSteps([
    ...addNetnsSteps(host.netns),
    ...ipBatchStep(host.controlPlane, [
      `link add ${host.uplink} type veth peer name eth0 netns ${host.netns}`,
      `link set ${host.uplink} master ${host.bridge}`,
      `link set ${host.uplink} up`,
    ]),
    ...ipBatchStep(host.netns, [`addr add ${host.ip}/${nodeNetwork.prefixLength} dev eth0`, 'link set eth0 up', ...routes]),
  ]);
}

/** A node namespace: eth0 on the bridge, routes to the other nodes' pod blocks, forwarding on. */
export async function wireNode(options: BridgedHost & { otherNodes: { ip: string; index: number }[] }): Promise<void> {
  await attachToBridge(options, [
    ...options.otherNodes.map((n) => `route add ${podBlock(n.index)} via ${n.ip} dev eth0`),
    // Proxy ARP for the pods' 169.254.1.1 gateway only answers when the node can route there
    // through another interface; the control plane (which does not forward) is the default route.
    `route add default via ${nodeNetwork.apiServerIp} dev eth0`,
  ]);
  // Strict RPF (felix refuses loose mode) and routing; a new namespace starts with the defaults.
  await sysctl(options.netns, {
    'net.ipv4.ip_forward': 1,
    'net.ipv4.conf.all.rp_filter': 1,
    'net.ipv4.conf.default.rp_filter': 1,
    'net.ipv4.conf.eth0.rp_filter': 1,
  });
}

export async function wireControlPlane(netns: string, bridge: string, ip: string): Promise<void> {
  await addNetns(netns);
  await ipBatch(netns, [
    `link add ${bridge} type bridge`,
    `addr add ${ip}/${nodeNetwork.prefixLength} dev ${bridge}`,
    `link set ${bridge} up`,
  ]);
}

/** An external host: eth0 on the bridge and a route to each node's pod block through that node. */
export async function wireExternalHost(options: BridgedHost & { nodes: { ip: string; index: number }[] }): Promise<void> {
  await attachToBridge(options, options.nodes.map((n) => `route add ${podBlock(n.index)} via ${n.ip} dev eth0`));
}

/**
 * The HTTP fixture script: reads the request head (closing before reading it would make the kernel
 * answer with RST), then replies 200 with the hostname. socat runs it once per connection.
 */
export const httpFixtureScript = [
  '#!/bin/sh',
  '# netpol-conformance HTTP fixture: answers any request with 200 and the pod name.',
  'cr=$(printf "\\r")',
  'while IFS= read -r line; do case "$line" in ""|"$cr") break;; esac; done',
  'body="$1"',
  'printf "HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nContent-Length: %d\\r\\nConnection: close\\r\\n\\r\\n%s\\n" $((${#body} + 1)) "$body"',
  '',
].join('\n');

/** The command that serves one port: HTTP answers GET with 200, TCP and UDP echo. */
export function fixtureServerArgv(port: ContainerPort & { http?: boolean }, hostname: string, httpScript: string): string[] {
  if (port.protocol === 'UDP') return ['socat', `UDP4-RECVFROM:${port.port},reuseaddr,fork`, 'PIPE'];
  if (port.protocol === 'SCTP') return ['socat', `SCTP4-LISTEN:${port.port},reuseaddr,fork`, 'PIPE'];
  if (port.http) return ['socat', '-T', '10', `TCP4-LISTEN:${port.port},reuseaddr,fork`, `EXEC:/bin/sh ${httpScript} ${hostname}`];
  return ['socat', '-T', '10', `TCP4-LISTEN:${port.port},reuseaddr,fork`, 'PIPE'];
}

/** Start one supervised server per served port inside `netns`; restarted if it dies. */
export async function startFixtureServers(
  supervisor: Supervisor,
  netns: string,
  label: string,
  hostname: string,
  serve: (ContainerPort & { http?: boolean })[],
  httpScript: string,
): Promise<SupervisedProcess[]> {
  return Promise.all(
    serve.map((port) =>
      supervisor.start({
        name: `${label}-${port.protocol.toLowerCase()}-${port.port}`,
        argv: netnsArgv(netns, fixtureServerArgv(port, hostname, httpScript)),
        restarts: 3,
      }),
    ),
  );
}
