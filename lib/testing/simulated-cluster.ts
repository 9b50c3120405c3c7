// A test double of the Cluster interface for unit tests of the run engine (retries, the REJECT
// reclassification, setup failures, cancellation, side-by-side recipes). It answers every probe
// from the NetworkPolicy oracle and keeps, per node, a felix-shaped filter table whose rules
// follow the real felix v3.31.0 captures in lib/counters/testdata (endpoint chains, tiers,
// policy and profile chains, marks 0x10000 accept / 0x20000 pass), counting the packets each
// probe sends through it. The engine reads that table with the same commands and parsers it
// uses on real nodes. End-to-end tests use real clusters; this only stands in for one here.
import { createHash } from 'node:crypto';
import type {
  Cluster,
  ClusterVersions,
  CommandSession,
  DeployedPod,
  ExecOptions,
  ExecResult,
  ExternalHostHandle,
  FixturePod,
} from '../cluster/provider.ts';
import { policyChainName, profileChainName, workloadInterfaceName } from '../counters/index.ts';
import { InfrastructureError, InputError } from '../errors.ts';
import type { KubeObject, LabelTarget } from '../kube/client.ts';
import { sleep } from '../lifecycle/index.ts';
import type { ContainerPort, Labels, Model, NetworkPolicy, NetworkPolicyPeer, PodString, ProbeProtocol } from '../model/types.ts';
import { effectivePolicyTypes, evaluate, policySelectsPod, type Flow, type SideVerdict } from '../oracle/index.ts';
import { EndpointTable } from '../oracle/endpoint.ts';
import { peerMatches } from '../oracle/peers.ts';
import type { ObjectApi } from '../run/recipe-runner.ts';

export interface SimulatedProbe {
  from: string;
  to: string;
  protocol: ProbeProtocol;
  port?: number;
}

export interface SimulatedClusterOptions {
  runId?: string;
  /** felix's FilterDenyAction: REJECT refuses denied connections at once. */
  denyAction?: 'DROP' | 'REJECT';
  /** Real seconds per second of a probe's connect timeout (default 0.5: 2 s take 1 s, time enough for
   * a watch to prove any drop first). */
  timeScale?: number;
  /** Observe the opposite of the oracle for probes this says so of (a misbehaving dataplane). */
  misbehave?: (probe: SimulatedProbe) => boolean;
  /** Deploying a pod this returns an error for fails with it. */
  failDeploy?: (pod: FixturePod) => Error | undefined;
  /** Called when a probe starts (tests cancel runs from here). */
  onProbe?: (probe: SimulatedProbe) => void;
}

interface SimPod {
  spec: FixturePod;
  node: string;
  ip: string;
  iface: string;
}

const ACCEPT = '0x10000/0x10000';
const calicoVersion = 'v3.31.0';

export class SimulatedCluster implements Cluster, ObjectApi {
  readonly provider = 'netns' as const;
  readonly runId: string;
  readonly kubeconfigPath = '/nonexistent/simulated-kubeconfig';
  readonly nodes = ['node-0', 'node-1'] as const;
  readonly workloadNodes = this.nodes;
  readonly namespaces = new Map<string, Labels>();
  readonly pods = new Map<PodString, SimPod>();
  readonly externals = new Map<string, { ip: string; serve: ContainerPort[] }>();
  readonly policies = new Map<string, NetworkPolicy>();
  /** Every probe carried out, in order. */
  readonly probes: SimulatedProbe[] = [];
  destroyed = false;
  private readonly counters = new Map<string, number>();
  private podCount = 0;

  constructor(private readonly options: SimulatedClusterOptions = {}) {
    this.runId = options.runId ?? 'rsim';
  }

  async versions(): Promise<ClusterVersions> {
    return { kubernetes: 'v1.36.1', calico: calicoVersion, felix: calicoVersion, dataplane: 'iptables-nft' };
  }

  async createNamespace(name: string, labels: Labels): Promise<void> {
    if (this.namespaces.has(name)) throw new InfrastructureError(`namespace ${name} already exists`);
    this.namespaces.set(name, { 'kubernetes.io/metadata.name': name, ...labels });
  }

  async deleteNamespace(name: string): Promise<void> {
    for (const pod of this.pods.keys()) if (pod.startsWith(`${name}/`)) this.pods.delete(pod);
    for (const [id, policy] of this.policies) if (policy.metadata.namespace === name) this.policies.delete(id);
    this.namespaces.delete(name);
  }

  async deployPod(pod: FixturePod): Promise<DeployedPod> {
    const key: PodString = `${pod.namespace}/${pod.name}`;
    if (!this.namespaces.has(pod.namespace)) throw new InfrastructureError(`namespace ${pod.namespace} does not exist`);
    const failure = this.options.failDeploy?.(pod);
    if (failure) throw failure;
    const node = pod.node ?? this.nodes[0];
    const index = this.nodes.indexOf(node as (typeof this.nodes)[number]);
    if (index < 0) throw new InputError(`no node ${node}`);
    const ip = `10.244.${index}.${++this.podCount}`;
    this.pods.set(key, { spec: pod, node, ip, iface: workloadInterfaceName(pod.namespace, pod.name) });
    return { pod: key, node, ip };
  }

  async deletePod(pod: PodString): Promise<void> {
    this.pods.delete(pod);
  }

  async createExternalHost(name: string, serve: (ContainerPort & { http?: boolean })[]): Promise<ExternalHostHandle> {
    if (this.externals.has(name)) throw new InfrastructureError(`external host ${name} already exists`);
    const ip = `172.31.0.${this.externals.size + 10}`;
    this.externals.set(name, { ip, serve });
    return { name, ip };
  }

  async deleteExternalHost(name: string): Promise<void> {
    this.externals.delete(name);
  }

  // ---- ObjectApi: what the API server would pass on to felix, programmed at once.

  async apply(object: KubeObject): Promise<unknown> {
    if (object.kind === 'NetworkPolicy') this.policies.set(`${object.metadata.namespace}/${object.metadata.name}`, object as unknown as NetworkPolicy);
    return object;
  }

  async delete(object: KubeObject): Promise<unknown> {
    this.policies.delete(`${object.metadata.namespace}/${object.metadata.name}`);
    return object;
  }

  async setLabels(target: LabelTarget, labels: Labels): Promise<unknown> {
    if (target.kind === 'Namespace') {
      if (!this.namespaces.has(target.name)) throw new InfrastructureError(`namespace ${target.name} does not exist`);
      this.namespaces.set(target.name, { ...labels, 'kubernetes.io/metadata.name': target.name });
      return undefined;
    }
    const pod = this.pods.get(`${target.namespace}/${target.name}`);
    if (!pod) throw new InfrastructureError(`pod ${target.namespace}/${target.name} does not exist`);
    pod.spec = { ...pod.spec, labels: { ...labels } };
    return undefined;
  }

  // ---- nodes: the filter table, read with the engine's own commands

  async execOnNode(node: string, argv: string[], _options: ExecOptions): Promise<ExecResult> {
    if (!this.nodes.includes(node as (typeof this.nodes)[number])) throw new InputError(`no node ${node}`);
    const chains = this.chainsOn(node);
    if (argv[0] === 'iptables-nft-save') {
      const text = ['# Generated by iptables-nft-save v1.8.9 (nf_tables)', '*filter', ':FORWARD ACCEPT [0:0]'];
      for (const chain of chains.keys()) text.push(`:${chain} - [0:0]`);
      for (const [chain, rules] of chains) for (const rule of rules) text.push(`[${this.count(node, chain, rule.id)}:0] -A ${chain} ${rule.spec}`);
      text.push('COMMIT');
      return ok(text.join('\n') + '\n');
    }
    if (argv[0] === 'sh' && argv[2]?.includes('iptables-nft -w -t filter -v -S')) {
      const text: string[] = [];
      for (const chain of argv.slice(4)) {
        const rules = chains.get(chain);
        if (!rules) continue;
        text.push(`-N ${chain}`);
        for (const rule of rules) text.push(`-A ${chain} ${withCounters(rule.spec, this.count(node, chain, rule.id))}`);
      }
      return ok(text.join('\n') + '\n');
    }
    if (argv[0] === 'ipset' && argv[1] === 'save') {
      const text: string[] = [];
      for (const [name, members] of this.ipSetsOn(node)) {
        text.push(`create ${name} hash:net family inet hashsize 1024 maxelem 1048576`);
        for (const ip of members) text.push(`add ${name} ${ip}`);
      }
      return ok(text.join('\n') + '\n');
    }
    return { exitCode: 127, stdout: '', stderr: `${argv[0]}: not simulated`, durationMs: 0, timedOut: false };
  }

  openNodeSession(node: string): CommandSession {
    const close = async (): Promise<void> => undefined;
    return { run: (argv, options) => this.execOnNode(node, argv, options), close, [Symbol.asyncDispose]: close };
  }

  // ---- probes

  async execInPod(pod: PodString, argv: string[], options: ExecOptions): Promise<ExecResult> {
    if (!this.pods.has(pod)) throw new InputError(`pod ${pod} is not deployed`);
    return this.probe(pod, argv, options);
  }

  async execInExternalHost(name: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    if (!this.externals.has(name)) throw new InputError(`no external host ${name}`);
    return this.probe(name, argv, options);
  }

  reproduceInPod(pod: PodString, argv: string[]): string {
    return `(simulated ${pod}) ${argv.join(' ')}`;
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    this.pods.clear();
    this.namespaces.clear();
    this.externals.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }

  private async probe(from: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const call = parseProbe(argv);
    const to = this.endpointAt(call.ip);
    if (!to) return { exitCode: 1, stdout: '', stderr: `no route to ${call.ip}`, durationMs: 0, timedOut: false };
    const probe: SimulatedProbe = { from, to, protocol: call.protocol, ...(call.port !== undefined ? { port: call.port } : {}) };
    this.probes.push(probe);
    this.options.onProbe?.(probe);
    const loopback = from === to;
    const served = call.protocol === 'icmp' || this.serves(to, call.protocol === 'udp' ? 'UDP' : 'TCP', call.port!);
    let allowed = loopback || this.decide(from, to, call.protocol, call.port);
    if (!loopback && this.options.misbehave?.(probe)) allowed = !allowed;
    const result = (exitCode: number, stdout: string, stderr = ''): ExecResult => ({ exitCode, stdout, stderr, durationMs: Date.now() - started, timedOut: false });
    if (allowed) {
      if (!served) {
        if (call.protocol === 'tcp') return result(1, '', `nc: connect to ${call.ip} port ${call.port} (tcp) failed: Connection refused`);
        if (call.protocol === 'http') return result(7, '000', `curl: (7) Failed to connect to ${call.ip} port ${call.port}: Connection refused`);
        return result(0, '');
      }
      if (call.protocol === 'tcp') return result(0, '', `Connection to ${call.ip} ${call.port} port [tcp/*] succeeded!`);
      if (call.protocol === 'http') return result(0, '200');
      if (call.protocol === 'udp') return result(0, 'probe\n');
      return result(0, `64 bytes from ${call.ip}: icmp_seq=1 ttl=63`);
    }
    if (this.options.denyAction === 'REJECT') {
      if (call.protocol === 'tcp') return result(1, '', `nc: connect to ${call.ip} port ${call.port} (tcp) failed: Connection refused`);
      if (call.protocol === 'http') return result(7, '000', `curl: (7) Failed to connect to ${call.ip} port ${call.port}: Connection refused`);
      if (call.protocol === 'udp') return result(0, '');
      return result(1, '', 'From 169.254.1.1 icmp_seq=1 Destination Port Unreachable');
    }
    // Dropped: nothing comes back until the probe's own timeout, unless it is stopped first.
    await sleep(call.timeoutSeconds * 1000 * (this.options.timeScale ?? 0.5), options.signal);
    if (options.signal?.aborted) return { exitCode: -1, stdout: '', stderr: 'killed', durationMs: Date.now() - started, timedOut: false };
    if (call.protocol === 'tcp') return result(1, '', `nc: connect to ${call.ip} port ${call.port} (tcp) timed out: Operation now in progress`);
    if (call.protocol === 'http') return result(28, '000', 'curl: (28) Connection timed out');
    if (call.protocol === 'udp') return result(0, '');
    return result(1, '1 packets transmitted, 0 received, 100% packet loss');
  }

  /** The oracle's verdict for the flow, with its packets counted on the way. */
  private decide(from: string, to: string, protocol: ProbeProtocol, port: number | undefined): boolean {
    const model = this.model();
    const endpoint = (name: string): Flow['from'] => (this.pods.has(name as PodString) ? { pod: name as PodString } : { external: name });
    const flow: Flow = { from: endpoint(from), to: endpoint(to), protocol: protocol === 'udp' ? 'UDP' : protocol === 'icmp' ? 'ICMP' : 'TCP' };
    if (port !== undefined) flow.port = port;
    const verdict = evaluate(model, [...this.policies.values()], flow);
    const source = this.pods.get(from as PodString);
    const destination = this.pods.get(to as PodString);
    if (source && !this.countStage(source, 'egress', verdict.egress)) return false;
    if (destination && !this.countStage(destination, 'ingress', verdict.ingress)) return false;
    return true;
  }

  /** Counts one packet through the endpoint chain of this side; false when it was dropped. */
  private countStage(pod: SimPod, direction: 'ingress' | 'egress', side: SideVerdict): boolean {
    const chain = endpointChain(pod, direction);
    const hit = (c: string, id: string): void => void this.counters.set(`${pod.node} ${c} ${id}`, this.count(pod.node, c, id) + 1);
    hit(chain, 'clear-marks');
    const policies = this.selecting(pod, direction);
    if (policies.length > 0) {
      hit(chain, 'start-of-tier');
      for (const policy of policies) {
        const id = `${policy.metadata.namespace}/${policy.metadata.name}`;
        const policyChain = policyChainName(direction, { namespace: policy.metadata.namespace, name: policy.metadata.name }, calicoVersion);
        hit(chain, `jump ${id}`);
        hit(policyChain, 'header');
        if (side.allowedBy?.policy === id) {
          hit(policyChain, `allow ${side.allowedBy.rule}`);
          hit(chain, `accepted ${id}`);
          return true;
        }
      }
      hit(chain, 'end-of-tier');
      return false;
    }
    hit(chain, 'profile');
    hit(profileChainName(direction, `kns.${pod.spec.namespace}`), 'profile');
    hit(chain, 'profile-accepted');
    return true;
  }

  private count(node: string, chain: string, id: string): number {
    return this.counters.get(`${node} ${chain} ${id}`) ?? 0;
  }

  private model(): Model {
    return {
      namespaces: [...this.namespaces].map(([name, labels]) => ({ name, labels })),
      pods: [...this.pods.values()].map((p) => ({
        namespace: p.spec.namespace,
        name: p.spec.name,
        labels: p.spec.labels,
        ip: p.ip,
        ports: p.spec.serve.map(({ http: _http, ...port }) => port),
      })),
      externals: [...this.externals].map(([name, e]) => ({ name, ip: e.ip })),
    };
  }

  private selecting(pod: SimPod, direction: 'ingress' | 'egress'): NetworkPolicy[] {
    const spec = { namespace: pod.spec.namespace, name: pod.spec.name, labels: pod.spec.labels, ports: [] };
    return [...this.policies.values()]
      .filter((p) => p.metadata.namespace === pod.spec.namespace && policySelectsPod(p, spec))
      .filter((p) => effectivePolicyTypes(p).includes(direction === 'ingress' ? 'Ingress' : 'Egress'))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  /** Each rule's selector peers (ipBlock peers have no IP set), for this direction of the policy. */
  private selectorPeers(policy: NetworkPolicy, direction: 'ingress' | 'egress'): NetworkPolicyPeer[][] {
    const rules = direction === 'ingress' ? (policy.spec.ingress ?? []).map((r) => r.from) : (policy.spec.egress ?? []).map((r) => r.to);
    return rules.map((peers) => (peers ?? []).filter((peer) => !peer.ipBlock));
  }

  /** The IP sets of the policies rendered on the node, filled with the pods their peers select. */
  private ipSetsOn(node: string): Map<string, string[]> {
    const table = new EndpointTable(this.model());
    const sets = new Map<string, string[]>();
    for (const pod of [...this.pods.values()].filter((p) => p.node === node)) {
      for (const direction of ['ingress', 'egress'] as const) {
        for (const policy of this.selecting(pod, direction)) {
          for (const peer of this.selectorPeers(policy, direction).flat()) {
            const members = table.endpoints.filter((e) => e.kind === 'pod' && peerMatches(peer, policy.metadata.namespace, e));
            sets.set(ipSetName(policy.metadata.namespace, peer), members.map((e) => e.ip!));
          }
        }
      }
    }
    return sets;
  }

  private endpointAt(ip: string): string | undefined {
    for (const [name, pod] of this.pods) if (pod.ip === ip) return name;
    for (const [name, host] of this.externals) if (host.ip === ip) return name;
    return undefined;
  }

  private serves(name: string, protocol: 'TCP' | 'UDP', port: number): boolean {
    const serve = this.pods.get(name as PodString)?.spec.serve ?? this.externals.get(name)?.serve ?? [];
    return serve.some((p) => p.protocol === protocol && p.port === port);
  }

  /** The node's Calico chains as felix v3.31.0 writes them, for its pods and their policies. */
  private chainsOn(node: string): Map<string, { id: string; spec: string }[]> {
    const chains = new Map<string, { id: string; spec: string }[]>();
    const rule = (chain: string, id: string, spec: string, comment?: string): { id: string; spec: string } => ({
      id,
      spec: `-m comment --comment "cali:${ruleHash(chain, id)}"${comment ? ` -m comment --comment "${comment}"` : ''}${spec ? ` ${spec}` : ''}`,
    });
    const deny = this.options.denyAction === 'REJECT' ? 'REJECT --reject-with icmp-port-unreachable' : 'DROP';
    const verb = this.options.denyAction === 'REJECT' ? 'Reject' : 'Drop';
    for (const pod of [...this.pods.values()].filter((p) => p.node === node)) {
      for (const direction of ['ingress', 'egress'] as const) {
        const chain = endpointChain(pod, direction);
        const profile = profileChainName(direction, `kns.${pod.spec.namespace}`);
        const rules = [
          rule(chain, 'conntrack', '-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT'),
          rule(chain, 'invalid', '-m conntrack --ctstate INVALID -j DROP'),
          rule(chain, 'clear-marks', '-j MARK --set-xmark 0x0/0x30000'),
        ];
        const policies = this.selecting(pod, direction);
        if (policies.length > 0) {
          rules.push(rule(chain, 'start-of-tier', '-j MARK --set-xmark 0x0/0x20000', 'Start of tier default'));
          for (const policy of policies) {
            const id = `${policy.metadata.namespace}/${policy.metadata.name}`;
            const ref = { namespace: policy.metadata.namespace, name: policy.metadata.name };
            const policyChain = policyChainName(direction, ref, calicoVersion);
            rules.push(rule(chain, `jump ${id}`, `-m mark --mark 0x0/0x20000 -j ${policyChain}`));
            rules.push(rule(chain, `accepted ${id}`, `-m mark --mark ${ACCEPT} -j RETURN`, 'Return if policy accepted'));
            const peers = this.selectorPeers(policy, direction);
            chains.set(policyChain, [
              rule(policyChain, 'header', '', `Policy ${policy.metadata.namespace}/knp.default.${policy.metadata.name} ${direction}`),
              ...peers.map((rulePeers, i) => rule(policyChain, `allow ${i}`, `-m comment --comment "rule ${i}" -j MARK --set-xmark ${ACCEPT}`)),
              // Felix matches selector peers against IP sets; these rules name them (they never count here).
              ...peers.flatMap((rulePeers, i) =>
                rulePeers.map((peer, j) => rule(policyChain, `peer ${i} ${j}`, `-m set --match-set ${ipSetName(policy.metadata.namespace, peer)} ${direction === 'ingress' ? 'src' : 'dst'} -j MARK --set-xmark 0x0/0x0`)),
              ),
            ]);
          }
          rules.push(rule(chain, 'end-of-tier', `-m mark --mark 0x0/0x20000 -j ${deny}`, `End of tier default. ${verb} if no policies passed packet`));
        }
        rules.push(rule(chain, 'profile', `-j ${profile}`));
        rules.push(rule(chain, 'profile-accepted', `-m mark --mark ${ACCEPT} -j RETURN`, 'Return if profile accepted'));
        rules.push(rule(chain, 'no-profile', `-j ${deny}`, `${verb} if no profiles matched`));
        chains.set(chain, rules);
        chains.set(profile, [rule(profile, 'profile', `-j MARK --set-xmark ${ACCEPT}`, `Profile kns.${pod.spec.namespace} ${direction}`)]);
      }
    }
    return chains;
  }
}

function endpointChain(pod: SimPod, direction: 'ingress' | 'egress'): string {
  return `${direction === 'ingress' ? 'cali-tw-' : 'cali-fw-'}${pod.iface}`;
}

/** Felix hashes a peer's selector into its IP set's name; the peer with its namespace stands in for it. */
function ipSetName(namespace: string, peer: NetworkPolicyPeer): string {
  return `cali40s:${createHash('sha256').update(JSON.stringify([namespace, peer])).digest('base64url').slice(0, 23)}`;
}

function ruleHash(chain: string, id: string): string {
  return createHash('sha256').update(`${chain}\0${id}`).digest('base64url').slice(0, 16);
}

/** `iptables -v -S` puts the counters before the target. */
function withCounters(spec: string, packets: number): string {
  const target = spec.search(/ -[jg] /);
  return target < 0 ? `${spec} -c ${packets} 0` : `${spec.slice(0, target)} -c ${packets} 0${spec.slice(target)}`;
}

function ok(stdout: string): ExecResult {
  return { exitCode: 0, stdout, stderr: '', durationMs: 1, timedOut: false };
}

/** What the engine's probe command asks for (lib/probe/command.ts). */
function parseProbe(argv: string[]): { protocol: ProbeProtocol; ip: string; port?: number; timeoutSeconds: number } {
  if (argv[0] === 'nc') return { protocol: 'tcp', ip: argv.at(-2)!, port: Number(argv.at(-1)), timeoutSeconds: Number(argv[argv.indexOf('-w') + 1]) };
  if (argv[0] === 'ping') return { protocol: 'icmp', ip: argv.at(-1)!, timeoutSeconds: Number(argv[argv.indexOf('-W') + 1]) };
  if (argv[0] === 'curl') {
    const url = new URL(argv.at(-1)!);
    return { protocol: 'http', ip: url.hostname, port: Number(url.port || 80), timeoutSeconds: Number(argv[argv.indexOf('--connect-timeout') + 1]) };
  }
  const udp = /nc -u -n -W 1 -w (\d+) (\S+) (\d+)/.exec(argv[2] ?? '');
  if (argv[0] === 'sh' && udp) return { protocol: 'udp', ip: udp[2]!, port: Number(udp[3]), timeoutSeconds: Number(udp[1]) };
  throw new InputError(`not a probe command: ${argv.join(' ')}`);
}
