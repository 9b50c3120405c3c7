// The netns provider: real etcd, kube-apiserver and Calico felix as processes, nodes, pods and
// external hosts as network namespaces (see topology.ts for the layout). Every step registers
// its teardown before it runs, so a half-built cluster is still removed, in reverse order.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CancelledError, InfrastructureError, InputError, messageOf } from '../../errors.ts';
import { KubeClient, type KubeObject } from '../../kube/client.ts';
import { renderKubeconfig } from '../../kube/kubeconfig.ts';
import { createLogger } from '../../log.ts';
import type { IpFamily, Labels, PodString } from '../../model/types.ts';
import { TeardownStack } from '../../lifecycle/index.ts';
import { calicoCrdDir, ensureBinary } from '../../upstream/index.ts';
import type {
  Cluster,
  ClusterHealth,
  ClusterOptions,
  CommandSession,
  ClusterVersions,
  Dataplane,
  DeployedPod,
  ExecOptions,
  ExecResult,
  ExternalHostHandle,
  FixturePod,
} from '../provider.ts';
import { applyCrds, calicoBootstrapObjects, nodeStatus, readCrds, startFelix, waitFelixReady } from './calico.ts';
import { createPki } from './certs.ts';
import { etcdDataDir, startApiServer, startEtcd, startRelay } from './control-plane.ts';
import { deleteNetns, execInNetns, netnsArgv, outputInNetns } from './ip.ts';
import { httpFixtureScript, startFixtureServers, wireControlPlane, wireExternalHost, wireNode, wirePod } from './pods.ts';
import { checkPrerequisites } from './prerequisites.ts';
import { Supervisor, type SupervisedProcess } from './processes.ts';
import { ShellSession } from './shell-session.ts';
import { stateRoot } from './state.ts';
import {
  externalHostIp,
  externalHostIp6,
  nodeIp,
  nodeIp6,
  nodeName,
  maxPodAddress,
  nodeNetwork,
  podIp,
  podIp6,
  runNames,
  workloadInterfaceName,
  type RunNames,
} from './topology.ts';
import { shellQuote } from '../../shell-quote.ts';

export interface NetnsClusterOptions extends ClusterOptions {
  /** Number of nodes (default 2). */
  nodeCount?: number;
  /** How long to wait for the API server and felix (default 60 s each). */
  readyTimeoutMs?: number;
}

interface PodEntry {
  deployed: DeployedPod;
  netns: string;
  servers: SupervisedProcess[];
  teardown: TeardownStack;
  /** The shell commands run in the pod through (started on first use). */
  shell?: ShellSession;
}

interface ExternalEntry {
  handle: ExternalHostHandle;
  index: number;
  netns: string;
  teardown: TeardownStack;
}

/** Build a netns cluster and return it once every felix is ready. */
export async function createNetnsCluster(options: NetnsClusterOptions): Promise<NetnsCluster> {
  await checkPrerequisites();
  const cluster = new NetnsCluster(options);
  try {
    await cluster.setUp();
  } catch (e) {
    await cluster.destroy().catch((t: unknown) => options.log(`teardown after failed setup: ${messageOf(t)}`));
    if (options.signal.aborted) throw new CancelledError(`netns cluster setup cancelled: ${messageOf(e)}`, { cause: e });
    throw e;
  }
  return cluster;
}

export class NetnsCluster implements Cluster {
  readonly provider = 'netns' as const;
  readonly runId: string;
  readonly names: RunNames;
  readonly nodes: readonly string[];
  /** Every node takes pods (felix runs on each; there is no control-plane node). */
  get workloadNodes(): readonly string[] {
    return this.nodes;
  }
  /** Dual-stack unless the options ask for IPv4 only. */
  readonly ipFamilies: readonly IpFamily[];
  readonly workDir: string;
  readonly stateDir: string;
  kubeconfigPath: string;
  /** Kubeconfig with the API server's in-cluster address (what felix uses). */
  readonly nodeKubeconfigPath: string;
  /** Wall-clock milliseconds of each setup phase, for reports and benchmarks. */
  readonly timings: Record<string, number> = {};
  private kubeClient: KubeClient | undefined;
  private readonly teardown: TeardownStack;
  private readonly supervisor: Supervisor;
  private readonly pods = new Map<PodString, PodEntry>();
  private readonly externals = new Map<string, ExternalEntry>();
  private readonly podCounts: number[];
  /** Per node, addresses of deleted pods (their k), oldest first: reused once the block is spent. */
  private readonly freedPodAddresses: number[][];
  private podSerial = 0;
  private nextNode = 0;
  private felixBinary = '';
  private felix: SupervisedProcess[] = [];
  private destroyed = false;
  private readonly sessions = new Set<ShellSession>();
  private externalCount = 0;
  private readonly log: (line: string) => void;

  private get dualStack(): boolean {
    return this.ipFamilies.includes('IPv6');
  }

  constructor(private readonly options: NetnsClusterOptions) {
    this.runId = options.runId;
    this.names = runNames(options.runId);
    const count = options.nodeCount ?? 2;
    this.nodes = Array.from({ length: count }, (_, i) => nodeName(i));
    this.ipFamilies = options.ipFamilies ?? ['IPv4', 'IPv6'];
    if (this.ipFamilies[0] !== 'IPv4' || this.ipFamilies.length > 2) {
      throw new InputError(`the netns provider runs IPv4 or dual-stack (IPv4, IPv6) clusters, not ${this.ipFamilies.join(', ')}`);
    }
    this.podCounts = this.nodes.map(() => 0);
    this.freedPodAddresses = this.nodes.map(() => []);
    this.workDir = join(options.workDir, this.names.prefix);
    this.stateDir = join(stateRoot(), this.names.prefix);
    // Keys and kubeconfigs live in the private state dir, never in workDir: CI uploads the
    // reports directory workDir sits in.
    this.kubeconfigPath = join(this.stateDir, 'kubeconfig');
    this.nodeKubeconfigPath = join(this.stateDir, 'kubeconfig.nodes');
    this.log = options.log;
    this.teardown = new TeardownStack(createLogger(`netns:${this.names.prefix}`));
    this.supervisor = new Supervisor(this.names.prefix, join(this.workDir, 'logs'), this.stateDir, this.log);
  }

  get kube(): KubeClient {
    if (!this.kubeClient) throw new InfrastructureError('the netns cluster has no API client yet');
    return this.kubeClient;
  }

  /** Pids of etcd, kube-apiserver and felix (for memory figures and isolation checks). */
  get componentPids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.supervisor.list()) {
      if (p.pid !== undefined && p.running && !p.spec.name.includes('-tcp-') && !p.spec.name.includes('-udp-')) out[p.spec.name] = p.pid;
    }
    return out;
  }

  /** Pids of every running child, by name (fixture servers are `pod-<ns>-<pod>-<proto>-<port>`). */
  get processPids(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.supervisor.list()) if (p.pid !== undefined && p.running) out[p.spec.name] = p.pid;
    return out;
  }

  private async phase<T>(name: string, work: () => Promise<T>): Promise<T> {
    if (this.options.signal.aborted) throw new CancelledError(`cancelled before ${name}`);
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.timings[name] = Date.now() - started;
      this.log(`netns cluster ${this.names.prefix}: ${name} took ${this.timings[name]} ms`);
    }
  }

  async setUp(): Promise<void> {
    const o = this.options;
    const started = Date.now();
    const wait = { timeoutMs: o.readyTimeoutMs ?? 60_000, signal: o.signal };
    const n = this.names;
    this.log(`netns cluster ${n.prefix}: work dir ${this.workDir}`);

    // The state dir is the run's marker for `clean`; destroy() removes it once the rest is gone.
    await mkdir(this.stateDir, { recursive: true, mode: 0o700 });
    await writeFile(join(this.stateDir, 'run.json'), JSON.stringify({ runId: o.runId, prefix: n.prefix, workDir: this.workDir, pid: process.pid }) + '\n');
    await mkdir(this.workDir, { recursive: true });

    const [binaries, crds, pki] = await this.phase('binaries-and-pki', () =>
      Promise.all([
        Promise.all([
          ensureBinary('etcd', undefined, { signal: o.signal }),
          ensureBinary('kube-apiserver', undefined, { signal: o.signal }),
          ensureBinary('felix', o.calicoVersion, { signal: o.signal }),
        ]),
        calicoCrdDir(o.calicoVersion, { signal: o.signal }).then(readCrds),
        createPki(join(this.stateDir, 'pki'), [nodeNetwork.apiServerIp]),
      ]),
    );
    const [etcd, kubeApiserver, felix] = binaries;
    this.felixBinary = felix;
    this.teardown.defer('remove keys', () => rm(pki.dir, { recursive: true, force: true }));

    this.teardown.defer(`delete netns ${n.controlPlane}`, () => deleteNetns(n.controlPlane));
    await this.phase('control-plane-netns', () => wireControlPlane(n.controlPlane, n.bridge, nodeNetwork.apiServerIp));

    this.teardown.defer('stop processes', () => this.supervisor.stopAll(1_000));
    await writeFile(join(this.workDir, 'http-fixture.sh'), httpFixtureScript, { mode: 0o755 });
    const kubeconfig = (server: string): string =>
      renderKubeconfig({ clusterName: n.prefix, server, caPem: pki.pem.ca, clientCertPem: pki.pem.clientCert, clientKeyPem: pki.pem.clientKey });
    await writeFile(this.nodeKubeconfigPath, kubeconfig(`https://${nodeNetwork.apiServerIp}:${nodeNetwork.apiServerPort}`), { mode: 0o600 });

    // The API server starts while the node namespaces are wired.
    const apiServer = this.phase('api-server', async () => {
      await startEtcd(this.supervisor, n.controlPlane, etcd, etcdDataDir(this.stateDir));
      await startApiServer(this.supervisor, n.controlPlane, kubeApiserver, pki);
      const port = await startRelay(this.supervisor, n.controlPlane, this.workDir);
      await writeFile(this.kubeconfigPath, kubeconfig(`https://127.0.0.1:${port}`), { mode: 0o600 });
      this.kubeClient = KubeClient.fromFile(this.kubeconfigPath);
      await this.kube.waitFor('kube-apiserver /readyz', { ...wait, intervalMs: 100, failFast: () => this.supervisor.assertHealthy() }, async () =>
        (await this.kube.ready()) ? true : undefined,
      );
    });
    const nodes = this.phase('node-netns', async () => {
      for (let i = 0; i < this.nodes.length; i++) {
        this.teardown.defer(`delete netns ${n.node(i)}`, () => deleteNetns(n.node(i)));
      }
      await Promise.all(
        this.nodes.map((_, i) =>
          wireNode({
            controlPlane: n.controlPlane,
            bridge: n.bridge,
            uplink: n.nodeUplink(i),
            netns: n.node(i),
            ip: nodeIp(i),
            ...(this.dualStack ? { ip6: nodeIp6(i) } : {}),
            otherNodes: this.nodeRoutes().filter((x) => x.index !== i),
          }),
        ),
      );
    });
    await settleAll([apiServer, nodes]);

    await this.phase('calico-datastore', async () => {
      await applyCrds(this.kube, crds, wait);
      const objects = calicoBootstrapObjects(o.calicoVersion, this.nodes.length, this.dualStack);
      await Promise.all(objects.map((object) => this.kube.apply(object)));
      await Promise.all(this.nodes.map((_, i) => this.kube.patchNodeStatus(nodeName(i), nodeStatus(i, this.dualStack))));
    });

    await this.phase('felix', async () => {
      this.felix = await Promise.all(
        this.nodes.map((_, i) =>
          startFelix(this.supervisor, {
            binary: felix,
            nodeIndex: i,
            netns: n.node(i),
            kubeconfig: this.nodeKubeconfigPath,
            dataplane: o.dataplane,
            ipv6: this.dualStack,
            settings: o.felixSettings ?? {},
            stateDir: join(this.stateDir, `felix-${i}`),
          }),
        ),
      );
      await Promise.all(this.nodes.map((_, i) => waitFelixReady(this.supervisor, n.node(i), wait)));
    });
    this.timings.total = Date.now() - started;
    this.log(`netns cluster ${n.prefix} ready in ${this.timings.total} ms (${JSON.stringify(this.timings)})`);
  }

  /** How the nodes are reached on the node network, per family. */
  private nodeRoutes(): { index: number; ip: string; ip6?: string }[] {
    return this.nodes.map((_, i) => ({ index: i, ip: nodeIp(i), ...(this.dualStack ? { ip6: nodeIp6(i) } : {}) }));
  }

  private nodeIndex(node: string): number {
    const i = this.nodes.indexOf(node);
    if (i < 0) throw new InputError(`no node "${node}" in netns cluster ${this.names.prefix} (nodes: ${this.nodes.join(', ')})`);
    return i;
  }

  async versions(): Promise<ClusterVersions> {
    const [kubernetes, felixOut, dataplane] = await Promise.all([
      this.kube.serverVersion(),
      execInNetns(this.names.node(0), [this.felixBinary, '--version'], { timeoutMs: 10_000 }),
      this.observedDataplane(0),
    ]);
    // `calico-felix --version` prints "Version: vX.Y.Z"; an unstamped build prints it empty.
    const felix = /^Version:[ \t]*(\S+)/m.exec(felixOut.stdout)?.[1] ?? 'unknown (felix --version names none)';
    return { kubernetes, calico: this.options.calicoVersion, felix, dataplane };
  }

  /** Which dataplane felix actually programmed on node i: Calico's nft table, or cali- chains in one iptables backend. */
  async observedDataplane(index: number): Promise<Dataplane> {
    const ns = this.names.node(index);
    const tables = await outputInNetns(ns, ['nft', 'list', 'tables']).catch(() => '');
    if (/\btable (inet|ip) calico\b/.test(tables)) return 'nftables';
    const nft = await outputInNetns(ns, ['iptables-nft-save', '-t', 'filter']).catch(() => '');
    if (/:cali-/.test(nft)) return 'iptables-nft';
    // Last: reading legacy tables loads the ip_tables module when nothing else has.
    const legacy = await outputInNetns(ns, ['iptables-legacy-save', '-t', 'filter']).catch(() => '');
    if (/:cali-/.test(legacy)) return 'iptables-legacy';
    throw new InfrastructureError(`felix on ${this.nodes[index]} has programmed no cali- rules in iptables (legacy or nft) nor an nftables calico table`);
  }

  async createNamespace(name: string, labels: Labels): Promise<void> {
    await this.kube.createNamespace(name, { 'kubernetes.io/metadata.name': name, ...labels });
  }

  async deleteNamespace(name: string): Promise<void> {
    for (const [pod, entry] of this.pods) {
      if (pod.startsWith(`${name}/`)) {
        this.pods.delete(pod);
        await entry.teardown.unwind();
      }
    }
    await this.kube.deleteNamespace(name, { timeoutMs: 30_000, signal: this.options.signal, finalize: true });
  }

  async deployPod(pod: FixturePod): Promise<DeployedPod> {
    const key: PodString = `${pod.namespace}/${pod.name}`;
    if (this.pods.has(key)) throw new InputError(`pod ${key} is already deployed`);
    const node = pod.node ?? this.nodes[this.nextNode++ % this.nodes.length]!;
    const index = this.nodeIndex(node);
    // Fresh addresses first; a long session (the bench runs the catalog several times on one
    // cluster) then reuses those of deleted pods, the longest-freed first.
    const k = this.podCounts[index]! <= maxPodAddress || this.freedPodAddresses[index]!.length === 0 ? this.podCounts[index]!++ : this.freedPodAddresses[index]!.shift()!;
    const ip = podIp(index, k);
    const ip6 = this.dualStack ? podIp6(index, k) : undefined;
    const ips = ip6 === undefined ? [ip] : [ip, ip6];
    const netns = this.names.pod(this.podSerial++);
    const hostInterface = workloadInterfaceName(pod.namespace, pod.name);
    const deployed: DeployedPod = { pod: key, node, ip, ips };
    const teardown = new TeardownStack();
    const entry: PodEntry = { deployed, netns, servers: [], teardown };
    this.pods.set(key, entry);
    // The pod's own teardown also runs when the whole cluster goes.
    this.teardown.defer(`pod ${key}`, async () => void (await teardown.unwind()));
    teardown.defer(`free address ${ip}`, () => void this.freedPodAddresses[index]!.push(k));
    try {
      teardown.defer(`delete netns ${netns}`, () => deleteNetns(netns));
      teardown.defer(`close the shell in ${key}`, () => entry.shell?.close());
      await wirePod({ podNetns: netns, nodeNetns: this.names.node(index), hostInterface, ip, ...(ip6 === undefined ? {} : { ip6 }) });
      teardown.defer(`stop servers of ${key}`, () => Promise.all(entry.servers.map((s) => s.stop(0))).then(() => undefined));
      entry.servers = await startFixtureServers(
        this.supervisor,
        netns,
        `pod-${pod.namespace}-${pod.name}`,
        pod.name,
        pod.serve,
        join(this.workDir, 'http-fixture.sh'),
        this.dualStack,
      );
      teardown.defer(`delete Pod ${key}`, () => (this.destroyed ? undefined : this.kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, namespace: pod.namespace } })));
      await this.kube.apply(podObject(pod, node));
      const now = new Date().toISOString();
      await this.kube.patchPodStatus(pod.namespace, pod.name, {
        phase: 'Running',
        podIP: ip,
        podIPs: ips.map((address) => ({ ip: address })),
        hostIP: nodeIp(index),
        hostIPs: [nodeIp(index), ...(this.dualStack ? [nodeIp6(index)] : [])].map((address) => ({ ip: address })),
        startTime: now,
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
      });
    } catch (e) {
      this.pods.delete(key);
      await teardown.unwind();
      throw e;
    }
    return deployed;
  }

  async deletePod(pod: PodString): Promise<void> {
    const entry = this.pods.get(pod);
    if (!entry) return;
    this.pods.delete(pod);
    await entry.teardown.unwind();
  }

  private podNetns(pod: PodString): string {
    const entry = this.pods.get(pod);
    if (!entry) throw new InputError(`pod ${pod} is not deployed on netns cluster ${this.names.prefix}`);
    return entry.netns;
  }

  /** Where a deployed pod runs. */
  podInfo(pod: PodString): DeployedPod {
    const entry = this.pods.get(pod);
    if (!entry) throw new InputError(`pod ${pod} is not deployed on netns cluster ${this.names.prefix}`);
    return entry.deployed;
  }

  /** Through a shell kept in the pod's namespace: a probe starts in a millisecond, not tens. */
  execInPod(pod: PodString, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const entry = this.pods.get(pod);
    if (!entry) throw new InputError(`pod ${pod} is not deployed on netns cluster ${this.names.prefix}`);
    entry.shell ??= new ShellSession(entry.netns, this.names.prefix);
    return entry.shell.run(argv, options);
  }

  execOnNode(node: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    return execInNetns(this.names.node(this.nodeIndex(node)), argv, options);
  }

  openNodeSession(node: string): CommandSession {
    const session = new ShellSession(this.names.node(this.nodeIndex(node)), this.names.prefix);
    this.sessions.add(session);
    return session;
  }

  async createExternalHost(name: string, serve: FixturePod['serve']): Promise<ExternalHostHandle> {
    if (this.externals.has(name)) throw new InputError(`external host ${name} already exists`);
    // Never an address a deleted host had: the nodes and the bridge would still know its old MAC.
    const index = this.externalCount++;
    const netns = this.names.external(index);
    const ip6 = this.dualStack ? externalHostIp6(index) : undefined;
    const handle: ExternalHostHandle = { name, ip: externalHostIp(index), ips: [externalHostIp(index), ...(ip6 === undefined ? [] : [ip6])] };
    const teardown = new TeardownStack();
    this.externals.set(name, { handle, index, netns, teardown });
    this.teardown.defer(`external host ${name}`, async () => void (await teardown.unwind()));
    teardown.defer(`delete netns ${netns}`, () => deleteNetns(netns));
    await wireExternalHost({
      controlPlane: this.names.controlPlane,
      bridge: this.names.bridge,
      uplink: this.names.externalUplink(index),
      netns,
      ip: handle.ip,
      ...(ip6 === undefined ? {} : { ip6 }),
      nodes: this.nodeRoutes(),
    });
    const servers = await startFixtureServers(this.supervisor, netns, `external-${name}`, name, serve, join(this.workDir, 'http-fixture.sh'), this.dualStack);
    teardown.defer(`stop servers of ${name}`, () => Promise.all(servers.map((s) => s.stop(0))).then(() => undefined));
    return handle;
  }

  async deleteExternalHost(name: string): Promise<void> {
    const entry = this.externals.get(name);
    if (!entry) return;
    await entry.teardown.unwind();
    this.externals.delete(name);
  }

  execInExternalHost(name: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const entry = this.externals.get(name);
    if (!entry) throw new InputError(`no external host ${name} on netns cluster ${this.names.prefix}`);
    return execInNetns(entry.netns, argv, options);
  }

  reproduceInPod(pod: PodString, argv: string[]): string {
    return netnsArgv(this.podNetns(pod), argv).map(shellQuote).join(' ');
  }

  /** Throws when etcd, the API server, felix or a fixture server died and was not restarted. */
  assertHealthy(): void {
    this.supervisor.assertHealthy();
  }

  /**
   * The cluster's components (etcd, kube-apiserver, the API relay, felix) that died, and the
   * fixture servers of the given endpoints (their processes are named pod-<ns>-<pod>-... and
   * external-<name>-...).
   */
  health(endpoints: readonly string[] = []): ClusterHealth {
    const servers = endpoints.map((e) => (e.includes('/') ? `pod-${e.replace('/', '-')}` : `external-${e}`));
    const serves = (name: string, label: string): boolean => name.startsWith(label) && /^-(tcp|udp|sctp)-\d+$/.test(name.slice(label.length));
    const concerns = (name: string): boolean => (!name.startsWith('pod-') && !name.startsWith('external-')) || servers.some((label) => serves(name, label));
    return {
      failed: this.supervisor.failed.filter((f) => concerns(f.name)).map((f) => f.message),
      restarted: this.supervisor.restarts.filter((r) => concerns(r.name)).map((r) => r.message),
    };
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const session of this.sessions) await session.close();
    this.sessions.clear();
    const errors = await this.teardown.unwind();
    this.pods.clear();
    this.externals.clear();
    // Kept when something could not be removed: `clean` sweeps only runs that have one.
    if (errors.length === 0) await rm(this.stateDir, { recursive: true, force: true });
    if (errors.length > 0) throw new InfrastructureError(`netns cluster ${this.names.prefix} teardown: ${errors.join('; ')}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

function podObject(pod: FixturePod, node: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    spec: {
      nodeName: node,
      ...(pod.serviceAccount !== undefined ? { serviceAccountName: pod.serviceAccount } : {}),
      automountServiceAccountToken: false,
      terminationGracePeriodSeconds: 0,
      containers: [
        {
          name: 'fixture',
          // Never pulled: no kubelet runs here. The name says what serves the ports.
          image: 'netpol-conformance/netns-socat-fixture',
          ports: pod.serve.map((p) => ({ containerPort: p.port, protocol: p.protocol, ...(p.name ? { name: p.name } : {}) })),
        },
      ],
    },
  };
}

/** Await all, then throw the first failure (so no setup step is left running unobserved). */
async function settleAll(work: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

