// The kind provider: a real kind cluster (kind CLI), Calico from its pinned manifest, fixtures as
// agnhost pods, probes through the pod exec API, node counters by exec'ing in the kind node
// containers through Docker, external hosts as containers on the `kind` network.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { InfrastructureError, InputError, PrerequisiteError, messageOf } from '../../errors.ts';
import { KubeClient, type KubeObject } from '../../kube/client.ts';
import { execInPod as kubeExecInPod } from '../../kube/pod-exec.ts';
import { createLogger, type Logger } from '../../log.ts';
import type { ContainerPort, IpFamily, Labels, PodString } from '../../model/types.ts';
import { TeardownStack, poll, retryHealable, throwIfCancelled } from '../../lifecycle/index.ts';
import type { Cluster, ClusterEnvironment, ClusterOptions, ClusterVersions, CommandSession, Dataplane, DeployedPod, ExecOptions, ExecResult, ExternalHostHandle, FixturePod } from '../provider.ts';
import { localFixtureRef, readImagesManifest } from '../../images/build.ts';
import { nodeImageRef } from '../../images/specs.ts';
import { loadVersions } from '../../upstream/index.ts';
import { hostAdaptations, readHostFacts } from './host.ts';
import { resolveKind } from './binary.ts';
import { installCalico } from './calico.ts';
import { defaultPodSubnet6, kindClusterName, kubeProxyModeFor, renderKindConfig, type KubeProxyMode } from './config.ts';
import { docker, ensureImage, execInContainer, inspectImage, labels, runLabels, startExternalHost, type StartedExternalHost } from './docker.ts';
import { fixtureContainer, fixturePodObject, porterEnv, agnhostArgs } from './fixtures.ts';
import { imageRef, tagOf, withMirror } from './images.ts';
import type { KindCli } from './kind-cli.ts';
import { manifestImages, customizeCalicoManifest, fetchCalicoManifest } from './manifest.ts';
import { loadKindPins, manifestPin, type KindPins, type ManifestPin } from './pins.ts';
import { shellQuote } from '../../shell-quote.ts';

export interface KindOptions {
  /** `local`: the images `netpol-conformance images` built (no registry is contacted); `registry`:
   * pull kindest/node, Calico and agnhost as published; `auto` (default): local when built. */
  images?: 'auto' | 'local' | 'registry';
  workers?: number;
  /** Default: nftables for the nftables dataplane, iptables otherwise. */
  kubeProxyMode?: KubeProxyMode;
  /** Registry host replacement for every image (see images.ts), e.g. mirror.local:5000/proxy. */
  registryMirror?: string;
  /** `kind load docker-image` the fixture (and Calico) images from the local Docker into the nodes. */
  preloadImages?: boolean;
  /** Leave the cluster in place when setup fails (logs are exported either way). */
  keepClusterOnFailure?: boolean;
  /** Docker network for external hosts (kind's own, `kind`, unless KIND_EXPERIMENTAL_DOCKER_NETWORK). */
  network?: string;
  readyTimeoutMs?: number;
}

export type KindClusterOptions = ClusterOptions & KindOptions;

const fixFor = (image: string, kindName?: string): string =>
  `provide it with \`docker pull ${image}\` where a registry is reachable then \`docker save\`/\`docker load\` here` +
  `${kindName ? ` (the harness then runs \`kind load docker-image ${tagOf(image)} --name ${kindName}\` with --preload-images)` : ''}, ` +
  'or pass --registry-mirror <host/prefix> for a mirror that has it';

export interface KindPrerequisiteOptions {
  signal: AbortSignal;
  log?: Logger;
  registryMirror?: string;
  images?: KindOptions['images'];
  preloadImages?: boolean;
  /** With these two, the images and manifest of that Calico are checked too. */
  calicoVersion?: string;
  dataplane?: Dataplane;
}

/** Fail fast, in one line, when this machine cannot run the kind provider: Docker, kind, the
 * images (built locally, or the node image from a registry) and the dataplane. */
export async function checkKindPrerequisites(options: KindPrerequisiteOptions = { signal: new AbortController().signal }): Promise<{ kind: KindCli; pins: KindPins; plan?: ImagePlan }> {
  const log = options.log ?? createLogger('kind');
  await docker();
  const pins = loadKindPins();
  if (options.dataplane === 'iptables-legacy') {
    throw new InputError(
      'the kind provider does not run --dataplane iptables-legacy: kind nodes follow the host\'s iptables backend (nft here), so kubelet and kube-proxy would program nft while felix programs legacy; use iptables-nft or nftables on kind, iptables-legacy on netns',
    );
  }
  const kind = await resolveKind({ signal: options.signal, log });
  if (options.calicoVersion === undefined) {
    const nodeImage = withMirror(pins.nodeImage, options.registryMirror);
    if (!(await inspectImage(nodeImageRef(loadVersions().kubernetes)))) await ensureImage(nodeImage, fixFor(nodeImage));
    return { kind, pins };
  }
  const plan = await planImages({ ...options, calicoVersion: options.calicoVersion }, pins, log);
  if (plan.source === 'registry') await ensureImage(plan.nodeImage, fixFor(plan.nodeImage));
  return { kind, pins, plan };
}

/** calico-node built here has no cgo (no libbpf): felix then needs this, as Calico's own FV tests
 * set it for such builds (felix/fv/infrastructure/topology.go; felix/bpf/nat/connecttime.go). */
const localCalicoEnv = { FELIX_DebugSkipCTLBCleanup: 'true' };

/** Which images a cluster runs, decided before anything is created. */
interface ImagePlan {
  source: 'local' | 'registry';
  nodeImage: string;
  fixtureImage: string;
  pin: ManifestPin;
  /** Loaded into the nodes with `kind load docker-image` once the cluster exists. */
  preload: boolean;
  imageIds: Record<string, string>;
  changes: string[];
}

async function planImages(
  options: Pick<KindOptions, 'images' | 'registryMirror' | 'preloadImages'> & { calicoVersion: string },
  pins: KindPins,
  log: Logger,
): Promise<ImagePlan> {
  const kubernetes = loadVersions().kubernetes;
  const localNode = nodeImageRef(kubernetes);
  const want = options.images ?? 'auto';
  const local = want === 'local' || (want === 'auto' && !options.registryMirror && (await inspectImage(localNode)) !== undefined);
  if (!local) {
    const preloaded = options.preloadImages ?? false;
    return {
      source: 'registry',
      nodeImage: withMirror(pins.nodeImage, options.registryMirror),
      fixtureImage: imageRef(pins.agnhost, { preloaded, ...(options.registryMirror ? { registryMirror: options.registryMirror } : {}) }),
      pin: manifestPin(pins, options.calicoVersion),
      preload: preloaded,
      imageIds: {},
      changes: [],
    };
  }
  const pin = pins.vxlanManifests.get(options.calicoVersion);
  if (!pin) throw new InputError(`Calico ${options.calicoVersion} has no calico-vxlan.yaml pin in versions.json (calico.versions["${options.calicoVersion}"].vxlanManifest), which locally built images run`);
  const manifest = await readImagesManifest();
  const calicoImages = manifest?.calico[options.calicoVersion] ?? [];
  const fixtureImage = localFixtureRef(kubernetes);
  const imageIds: Record<string, string> = {};
  for (const ref of [localNode, fixtureImage, ...calicoImages.map((i) => i.ref)]) {
    const info = await inspectImage(ref);
    if (info) imageIds[ref] = info.id;
  }
  const missing = [localNode, fixtureImage].filter((r) => !imageIds[r]);
  if (calicoImages.length === 0 || calicoImages.some((i) => !imageIds[i.ref])) missing.push(`the Calico ${options.calicoVersion} images`);
  if (missing.length > 0) {
    throw new PrerequisiteError(`${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not built; run: netpol-conformance images --calico ${options.calicoVersion} (or --images registry where a registry is reachable)`);
  }
  log.info(`local images: ${localNode}, ${fixtureImage}, ${calicoImages.map((i) => i.ref).join(', ')}`);
  return {
    source: 'local',
    nodeImage: localNode,
    fixtureImage,
    pin,
    preload: true,
    imageIds,
    changes: [
      'Calico from calico-vxlan.yaml, its release\'s VXLAN manifest, not calico.yaml: locally built calico/node images carry no BIRD (Calico\'s BIRD fork is not buildable from the release sources)',
      `images built locally by netpol-conformance images (Debian ${pins.images.debian.suite} userland; see report environment imageIds)`,
      'calico-node env FELIX_DebugSkipCTLBCleanup=true: calico-node is built without cgo (no libbpf), and felix needs it then, as Calico\'s FV tests set it',
    ],
  };
}

export async function createKindCluster(options: KindClusterOptions): Promise<KindCluster> {
  const log = createLogger(`kind:${options.runId}`);
  const checked = await checkKindPrerequisites({ ...options, log });
  const { kind } = checked;
  const plan = checked.plan!;
  const pin = plan.pin;
  const name = kindClusterName(options.runId);
  const dir = join(options.workDir, 'kind');
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, 'kind-config.yaml');
  // The kubeconfig holds the cluster's admin key: never in the report directory CI uploads.
  const kubeconfigPath = join(await mkdtemp(join(tmpdir(), `netpol-kind-${options.runId}-`)), 'kubeconfig');
  const preloaded = plan.preload;
  const fixtureImage = plan.fixtureImage;
  // Verify the manifest before the cluster exists: a bad pin fails in a second, not after minutes.
  const manifest = await fetchCalicoManifest(pin, { signal: options.signal, log: (l) => log.info(l) });
  const host = hostAdaptations(readHostFacts());
  const environment: ClusterEnvironment = {
    images: plan.source,
    imageIds: plan.imageIds,
    calicoManifest: { file: pin.file, sha256: pin.sha256 ?? '' },
    changes: [...plan.changes, ...host.changes],
  };
  // IPv4 unless asked for dual-stack: kind's networking.ipFamily dual and Calico's IPv6 pool (docs/kind.md).
  const ipFamilies: IpFamily[] = options.ipFamilies?.includes('IPv6') ? ['IPv4', 'IPv6'] : ['IPv4'];
  const dual = ipFamilies.length === 2;

  await writeFile(
    configPath,
    renderKindConfig({
      clusterName: name,
      runId: options.runId,
      nodeImage: plan.nodeImage,
      kubeProxyMode: options.kubeProxyMode ?? kubeProxyModeFor(options.dataplane),
      kubeadmConfigPatches: host.kubeadmConfigPatches,
      containerdConfigPatches: host.containerdConfigPatches,
      ...(dual ? { ipFamily: 'dual' as const } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
    }),
  );
  const teardown = new TeardownStack(log);
  teardown.defer(`remove ${dirname(kubeconfigPath)}`, () => rm(dirname(kubeconfigPath), { recursive: true, force: true }));
  teardown.defer(`kind delete cluster ${name}`, () => kind.forTeardown().deleteCluster(name));
  try {
    log.info(`creating kind cluster ${name} (${configPath})`);
    await kind.createCluster(name, { configPath, kubeconfigPath, retain: true });
    throwIfCancelled(options.signal);
    const kube = KubeClient.fromFile(kubeconfigPath);
    if (preloaded) {
      const calicoImages = manifestImages(customizeCalicoManifest(manifest.text, { dataplane: options.dataplane }));
      for (const image of [fixtureImage, ...calicoImages.map((i) => withMirror(i, options.registryMirror))]) {
        if (plan.source === 'registry') await ensureImage(image, fixFor(image, name));
        log.info(`kind load docker-image ${tagOf(image)}`);
        await kind.loadDockerImage(name, tagOf(image));
      }
    }
    await installCalico(kube, {
      pin,
      ...(plan.source === 'local' ? { extraEnv: localCalicoEnv } : {}),
      dataplane: options.dataplane,
      signal: options.signal,
      log,
      ...(dual ? { ipv6PoolCidr: defaultPodSubnet6 } : {}),
      ...(options.felixSettings ? { felixSettings: options.felixSettings } : {}),
      ...(options.registryMirror ? { registryMirror: options.registryMirror } : {}),
      ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
    });
    const nodes = (await kube.list('v1', 'Node')).map((n) => n.metadata.name).sort();
    return new KindCluster({ name, runId: options.runId, kind, kube, kubeconfigPath, nodes, ipFamilies, fixtureImage, log, workDir: options.workDir, signal: options.signal, environment, network: options.network ?? process.env.KIND_EXPERIMENTAL_DOCKER_NETWORK ?? 'kind' });
  } catch (e) {
    const logsDir = join(options.workDir, 'kind-logs');
    const exporter = options.signal.aborted ? undefined : kind;
    await (exporter ? exporter.exportLogs(name, logsDir) : Promise.reject(new Error('cancelled'))).then(
      () => log.error(`setup failed; cluster logs in ${logsDir}`),
      (err: unknown) => log.warn(`kind export logs failed: ${messageOf(err)}`),
    );
    if (options.keepClusterOnFailure) log.warn(`keeping cluster ${name} (kubeconfig ${kubeconfigPath}); remove it with: kind delete cluster --name ${name}`);
    else await teardown.unwind();
    throw e;
  }
}

interface KindClusterParts {
  name: string;
  runId: string;
  kind: KindCli;
  kube: KubeClient;
  kubeconfigPath: string;
  nodes: string[];
  ipFamilies: IpFamily[];
  fixtureImage: string;
  network: string;
  workDir: string;
  log: Logger;
  /** The run's abort signal: every wait and exec of the cluster stops with it. */
  signal?: AbortSignal;
  environment?: ClusterEnvironment;
}

interface PodObject extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: { type: string; status: string }[];
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
  };
}

export class KindCluster implements Cluster {
  readonly provider = 'kind' as const;
  readonly runId: string;
  readonly kubeconfigPath: string;
  readonly nodes: readonly string[];
  readonly ipFamilies: readonly IpFamily[];
  /** The kind cluster's name (`nc-<run id>`); node containers are named after the nodes. */
  readonly name: string;
  private readonly externalHosts = new Map<string, StartedExternalHost>();
  private routeSync: Promise<void> = Promise.resolve();
  private destroyed = false;
  private nextNode = 0;

  constructor(private readonly parts: KindClusterParts) {
    this.name = parts.name;
    this.runId = parts.runId;
    this.kubeconfigPath = parts.kubeconfigPath;
    this.nodes = parts.nodes;
    this.ipFamilies = parts.ipFamilies;
  }

  async versions(): Promise<ClusterVersions> {
    const kubernetes = await this.parts.kube.serverVersion();
    const ds = await this.parts.kube.read<KubeObject & { spec: { template: { spec: { containers: { name: string; image: string; env?: { name: string; value?: string }[] }[] } } } }>({
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'calico-node', namespace: 'kube-system' },
    });
    const node = ds?.spec.template.spec.containers.find((c) => c.name === 'calico-node');
    const calico = /:(v[\w.-]+)(?:@|$)/.exec(node?.image ?? '')?.[1] ?? 'unknown';
    const env = new Map((node?.env ?? []).map((e) => [e.name, e.value ?? '']));
    const dataplane: Dataplane =
      env.get('FELIX_NFTABLESMODE')?.toLowerCase() === 'enabled' ? 'nftables' : env.get('FELIX_IPTABLESBACKEND')?.toLowerCase() === 'legacy' ? 'iptables-legacy' : 'iptables-nft';
    return { kubernetes, calico, felix: calico, dataplane: await this.felixDataplane(dataplane), ...(this.parts.environment ? { environment: this.parts.environment } : {}) };
  }

  /** The dataplane felix programs, read from a node's rules (the manifest's setting is only a
   * request: felix v3.32 may pick nftables on its own in Auto mode). */
  private async felixDataplane(configured: Dataplane): Promise<Dataplane> {
    const node = this.nodes[0];
    if (!node) return configured;
    const nft = await execInContainer(node, ['nft', 'list', 'tables'], { timeoutMs: 20_000 });
    if (/^table ip calico$/m.test(nft.stdout)) return 'nftables';
    const legacy = await execInContainer(node, ['iptables-legacy-save', '-t', 'filter'], { timeoutMs: 20_000 });
    if (/^:cali-/m.test(legacy.stdout)) return 'iptables-legacy';
    return 'iptables-nft';
  }

  async createNamespace(name: string, labels: Labels): Promise<void> {
    await this.parts.kube.createNamespace(name, labels);
    // kube-controller-manager creates the namespace's default ServiceAccount a moment later; a
    // pod created before it is refused by the ServiceAccount admission plugin.
    await poll(`ServiceAccount ${name}/default`, { retryIf: retryHealable, timeoutMs: 60_000, intervalMs: 200, ...(this.parts.signal ? { signal: this.parts.signal } : {}) }, async () =>
      (await this.parts.kube.read({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } })) ? true : undefined,
    );
  }

  deleteNamespace(name: string): Promise<void> {
    return this.parts.kube.deleteNamespace(name, { timeoutMs: 120_000, ...(this.parts.signal ? { signal: this.parts.signal } : {}) });
  }

  async deployPod(pod: FixturePod): Promise<DeployedPod> {
    // Fixtures take turns over every node, the control plane too (as on netns), so probes cross
    // nodes; a pod given its node by name is not held back by the control plane's taint.
    const node = pod.node ?? this.nodes[this.nextNode++ % this.nodes.length]!;
    await this.parts.kube.apply(fixturePodObject({ ...pod, node }, { image: this.parts.fixtureImage, runId: this.runId }));
    const ref = { apiVersion: 'v1', kind: 'Pod', metadata: { name: pod.name, namespace: pod.namespace } };
    let last: PodObject | undefined;
    try {
      return await poll(`pod ${pod.namespace}/${pod.name} ready`, { retryIf: retryHealable, timeoutMs: 180_000, intervalMs: 1_000, ...(this.parts.signal ? { signal: this.parts.signal } : {}) }, async () => {
        last = await this.parts.kube.read<PodObject>(ref);
        const waiting = last?.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting?.reason && /ErrImagePull|ImagePullBackOff|ErrImageNeverPull|InvalidImageName/.test(waiting.reason)) {
          throw new PrerequisiteError(
            `pod ${pod.namespace}/${pod.name}: image ${this.parts.fixtureImage} cannot be pulled in the cluster (${waiting.reason}); ` +
              `rerun with --preload-images (kind load docker-image) or --registry-mirror <host/prefix>`,
          );
        }
        const ready = last?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
        if (!ready || !last?.status?.podIP || !last.spec?.nodeName) return undefined;
        // status.podIPs: one address per family of the cluster (IPv4 first, as kind's dual stack orders them).
        const ips = (last.status.podIPs ?? [{ ip: last.status.podIP }]).map((p) => p.ip);
        if (ips.length < this.ipFamilies.length) return undefined;
        return { pod: `${pod.namespace}/${pod.name}` as PodString, node: last.spec.nodeName, ip: last.status.podIP, ips };
      }).then(async (deployed) => {
        // A pod may have opened a new IPAM block on its node: external hosts need a route to it.
        if (this.externalHosts.size > 0) await this.syncExternalRoutes();
        return deployed;
      });
    } catch (e) {
      if (e instanceof PrerequisiteError) throw e;
      throw new InfrastructureError(`${messageOf(e)}; last status: ${JSON.stringify(last?.status ?? null)}`, { cause: e });
    }
  }

  deletePod(pod: PodString): Promise<void> {
    const [namespace, name] = pod.split('/') as [string, string];
    return this.parts.kube.delete({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace } });
  }

  async execInPod(pod: PodString, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const [namespace, name] = pod.split('/') as [string, string];
    const target = { namespace, name, container: fixtureContainer };
    return stoppable(argv, options, (wrapped) => kubeExecInPod(this.parts.kube, target, wrapped, withSignal(options, this.parts.signal)), (kill) =>
      kubeExecInPod(this.parts.kube, target, kill, { timeoutMs: 10_000 }),
    );
  }

  execOnNode(node: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    // kind names each node's container after the node.
    return execInContainer(node, nodeCommand(argv), withSignal(options, this.parts.signal));
  }

  /** Each command is one `docker exec` in the node's container, as execOnNode does. */
  openNodeSession(node: string): CommandSession {
    const close = async (): Promise<void> => undefined;
    return { run: (argv, options) => this.execOnNode(node, argv, options), close, [Symbol.asyncDispose]: close };
  }

  async createExternalHost(name: string, serve: (ContainerPort & { http?: boolean })[]): Promise<ExternalHostHandle> {
    await ensureImage(this.parts.fixtureImage, fixFor(this.parts.fixtureImage));
    const host = await startExternalHost({
      name: `${this.name}-ext-${name}`,
      image: this.parts.fixtureImage,
      network: this.parts.network,
      command: agnhostArgs(serve),
      env: porterEnv(serve),
      labels: { ...runLabels(this.runId, 'external-host'), [labels.kindCluster]: this.name },
      // To route the pods' addresses to their nodes, as a router in front of the cluster would.
      capAdd: ['NET_ADMIN'],
    });
    this.externalHosts.set(name, host);
    if (this.ipFamilies.includes('IPv6') && !host.ip6) {
      throw new InfrastructureError(`external host ${name} has no IPv6 address on Docker network ${this.parts.network}: the network needs IPv6 for a dual-stack run (docs/kind.md)`);
    }
    await this.syncExternalRoutes();
    return { name, ip: host.ip, ips: host.ip6 ? [host.ip, host.ip6] : [host.ip] };
  }

  /**
   * Routes on every external host for each of Calico's IPAM blocks via the node the block is
   * affine to (what the netns provider does per node): a host on the kind network otherwise has
   * no route to pod addresses, and a single route through one node would make replies from pods
   * on other nodes take another path than requests.
   */
  private syncExternalRoutes(): Promise<void> {
    // One sync at a time: recipes side by side add and remove external hosts concurrently.
    const next = this.routeSync.catch(() => undefined).then(() => this.syncExternalRoutesNow());
    this.routeSync = next;
    return next;
  }

  private async syncExternalRoutesNow(): Promise<void> {
    const affinities = await this.parts.kube.list<KubeObject & { spec?: { cidr?: string; node?: string; state?: string } }>('crd.projectcalico.org/v1', 'BlockAffinity');
    const nodes = await this.parts.kube.list<KubeObject & { status?: { addresses?: { type: string; address: string }[] } }>('v1', 'Node');
    // Each block via the node's address of the block's family (a dual-stack node has one of each).
    const nodeIp = (node: string, v6: boolean): string | undefined =>
      nodes.find((n) => n.metadata.name === node)?.status?.addresses?.find((a) => a.type === 'InternalIP' && a.address.includes(':') === v6)?.address;
    const dual = this.ipFamilies.includes('IPv6');
    const routes = affinities
      .filter((a) => a.spec?.cidr && a.spec.node && (dual || !a.spec.cidr.includes(':')) && (a.spec.state ?? 'confirmed') === 'confirmed')
      .map((a) => ({ cidr: a.spec!.cidr!, via: nodeIp(a.spec!.node!, a.spec!.cidr!.includes(':')) }))
      .filter((r): r is { cidr: string; via: string } => r.via !== undefined);
    for (const [name, host] of [...this.externalHosts]) {
      for (const route of routes) {
        const result = await execInContainer(host.container.getId(), ['ip', 'route', 'replace', route.cidr, 'via', route.via], { timeoutMs: 10_000 }).catch((e: unknown) => ({
          exitCode: -1,
          stderr: messageOf(e),
        }));
        if (result.exitCode === 0) continue;
        // A host another recipe removed meanwhile needs no routes any more.
        if (this.externalHosts.get(name) !== host) break;
        throw new InfrastructureError(`external host ${host.name}: ip route replace ${route.cidr} via ${route.via} failed (exit ${result.exitCode}): ${result.stderr.trim()}`);
      }
    }
  }

  async deleteExternalHost(name: string): Promise<void> {
    const host = this.externalHosts.get(name);
    if (!host) return;
    this.externalHosts.delete(name);
    await host.container.stop({ remove: true, timeout: 1_000 });
  }

  async execInExternalHost(name: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
    const host = this.externalHosts.get(name);
    if (!host) throw new InfrastructureError(`no external host ${name} in cluster ${this.name}`);
    const id = host.container.getId();
    return stoppable(argv, options, (wrapped) => execInContainer(id, wrapped, withSignal(options, this.parts.signal)), (kill) =>
      execInContainer(id, kill, { timeoutMs: 10_000 }),
    );
  }

  reproduceInPod(pod: PodString, argv: string[]): string {
    const [namespace, name] = pod.split('/') as [string, string];
    return `kubectl --kubeconfig ${this.kubeconfigPath} -n ${namespace} exec ${name} -c ${fixtureContainer} -- ${argv.map(shellQuote).join(' ')}`;
  }

  /** `kind export logs` into dir (default <workDir>/kind-logs); for the engine to call on failure. */
  async exportLogs(dir = join(this.parts.workDir, 'kind-logs')): Promise<string> {
    await this.parts.kind.exportLogs(this.name, dir);
    return dir;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const errors: string[] = [];
    for (const host of this.externalHosts.values()) {
      await host.container.stop({ remove: true, timeout: 1_000 }).catch((e: unknown) => errors.push(`external host ${host.name}: ${messageOf(e)}`));
    }
    await this.parts.kind.forTeardown().deleteCluster(this.name).catch((e: unknown) => errors.push(messageOf(e)));
    await rm(dirname(this.kubeconfigPath), { recursive: true, force: true }).catch((e: unknown) => errors.push(messageOf(e)));
    if (errors.length > 0) throw new InfrastructureError(`destroying kind cluster ${this.name}: ${errors.join('; ')}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.destroy();
  }
}

/**
 * Neither the pod exec API nor Docker's can kill what they started: a command stopped by its
 * caller (a probe proven blocked by a counted drop) would go on sending packets. So the command
 * records its pid first (`exec` keeps it), and a stop kills that pid in the container. The call
 * returns only once the kill is done: a stopped probe's client retransmitting into the next
 * probe's window would move the same endpoint's drop counter and be taken for that probe's
 * packets.
 */
export async function stoppable(
  argv: string[],
  options: ExecOptions,
  run: (wrapped: string[]) => Promise<ExecResult>,
  kill: (argv: string[]) => Promise<unknown>,
): Promise<ExecResult> {
  if (!options.signal) return run(argv);
  const pidFile = `/tmp/netpol-exec-${randomBytes(6).toString('hex')}`;
  let killed: Promise<unknown> | undefined;
  const killIt = (): void => {
    killed = kill(['sh', '-c', `kill -9 "$(cat ${pidFile})" 2>/dev/null; rm -f ${pidFile}`]).catch(() => undefined);
  };
  options.signal.addEventListener('abort', killIt, { once: true });
  try {
    return await run(['sh', '-c', `echo $$ > ${pidFile}; exec "$@"`, 'sh', ...argv]);
  } finally {
    options.signal.removeEventListener('abort', killIt);
    if (killed) await killed;
  }
}

function withSignal(options: ExecOptions, signal: AbortSignal | undefined): ExecOptions {
  const s = options.signal ?? signal;
  return s ? { ...options, signal: s } : options;
}


/**
 * Commands the kind node image does not ship run in the node's calico-node container instead:
 * kindest/node (and the image `netpol-conformance images` builds like it) has iptables and nft
 * but no ipset, while calico-node has all three. calico-node runs in the node's network
 * namespace (hostNetwork), so its ipset sees the node's IP sets; crictl, which every kind node
 * has, reaches it.
 */
export function nodeCommand(argv: string[]): string[] {
  if (!inCalicoNode.has(argv[0] ?? '')) return argv;
  return [
    'sh',
    '-c',
    'id=$(crictl ps --quiet --state running --name "^calico-node$" | head -n 1); ' +
      '[ -n "$id" ] || { echo "no running calico-node container on this node" >&2; exit 125; }; ' +
      'exec crictl exec "$id" "$@"',
    'sh',
    ...argv,
  ];
}

const inCalicoNode = new Set(['ipset']);

