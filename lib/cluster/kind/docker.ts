// The Docker boundary of the kind provider, through testcontainers' container runtime client
// (which finds Docker the way testcontainers does: DOCKER_HOST, ~/.testcontainers.properties,
// the default socket). Node counters are read by exec'ing in kind's node containers; external
// hosts are containers on the `kind` network; everything created carries the run's labels.
import { GenericContainer, ImageName, getContainerRuntimeClient } from 'testcontainers';
import type { ContainerRuntimeClient, StartedTestContainer } from 'testcontainers';
import { CancelledError, InfrastructureError, PrerequisiteError, messageOf } from '../../errors.ts';
import type { ExecOptions, ExecResult } from '../provider.ts';

/** Docker labels on everything the harness creates; `clean` sweeps by them. */
export const labels = {
  runId: 'io.netpol-conformance.run-id',
  role: 'io.netpol-conformance.role',
  kindCluster: 'io.netpol-conformance.kind-cluster',
} as const;

/** Label kind puts on its node containers, valued with the cluster name. */
export const kindClusterLabel = 'io.x-k8s.kind.cluster';

export function runLabels(runId: string, role: string): Record<string, string> {
  return { [labels.runId]: runId, [labels.role]: role };
}

// Ryuk (testcontainers' reaper) needs its own image, which air-gapped runners lack; the run's
// labels and `netpol-conformance clean` do its job here.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';

let client: Promise<ContainerRuntimeClient> | undefined;

/** The runtime client, or a one-line PrerequisiteError that says how to get Docker. */
export async function docker(timeoutMs = 15_000): Promise<ContainerRuntimeClient> {
  client ??= withTimeout(getContainerRuntimeClient(), timeoutMs, 'connecting to Docker').catch((e: unknown) => {
    client = undefined;
    throw new PrerequisiteError(
      `the kind provider needs a running Docker daemon and none answered (${firstLine(messageOf(e))}); ` +
        'start it (`sudo systemctl start docker`, or `sudo dockerd &`), or set DOCKER_HOST, or use --provider netns',
      { cause: e },
    );
  });
  return client;
}

/** Run argv in a container (a kind node, an external host) and collect its output. */
export async function execInContainer(container: string, argv: string[], options: ExecOptions): Promise<ExecResult> {
  const c = await docker();
  const started = Date.now();
  const run = c.container.exec(c.container.getById(container), argv).then((r) => ({
    exitCode: r.exitCode,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: Date.now() - started,
    timedOut: false,
  }));
  // The Docker exec API cannot kill an exec: on timeout the command is left to finish in the
  // container and reported as timed out here.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ExecResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ exitCode: -1, stdout: '', stderr: `timed out after ${options.timeoutMs} ms`, durationMs: Date.now() - started, timedOut: true }),
      options.timeoutMs,
    );
  });
  const aborted = abortPromise(options.signal);
  try {
    return await Promise.race([run, timeout, aborted.promise]);
  } catch (e) {
    if (e instanceof CancelledError) throw e;
    throw new InfrastructureError(`docker exec ${container} ${argv.join(' ')} failed: ${messageOf(e)}`, { cause: e });
  } finally {
    clearTimeout(timer);
    aborted.dispose();
  }
}

export async function imageExists(ref: string): Promise<boolean> {
  const c = await docker();
  return c.image.exists(ImageName.fromString(ref));
}

/**
 * Make sure an image is in the local Docker: present, or pulled now. When it is neither, a
 * one-line PrerequisiteError naming the image and the ways to provide it.
 */
export async function ensureImage(ref: string, fix: string): Promise<void> {
  const c = await docker();
  const name = ImageName.fromString(ref);
  if (await c.image.exists(name)) return;
  try {
    await c.image.pull(name);
  } catch (e) {
    throw new PrerequisiteError(`image ${ref} is not in the local Docker and cannot be pulled (${firstLine(messageOf(e))}); ${fix}`, {
      cause: e,
    });
  }
}

export interface ExternalHostSpec {
  /** Container name (unique per Docker daemon). */
  name: string;
  image: string;
  network: string;
  command?: string[];
  env?: Record<string, string>;
  labels: Record<string, string>;
  /** Wait this long for the container to be running (default 60 s). */
  startupTimeoutMs?: number;
  /** Extra capabilities (NET_ADMIN for a container that runs iptables in its own namespace). */
  capAdd?: string[];
}

export interface StartedExternalHost {
  name: string;
  ip: string;
  /** Its IPv6 address on the network, where the network has IPv6 (kind's does, when Docker allows). */
  ip6?: string;
  container: StartedTestContainer;
}

/** Start a container outside the cluster on `network` (the `kind` network for a kind cluster). */
export async function startExternalHost(spec: ExternalHostSpec): Promise<StartedExternalHost> {
  await docker();
  let container = new GenericContainer(spec.image)
    .withName(spec.name)
    .withNetworkMode(spec.network)
    .withLabels(spec.labels)
    .withEnvironment(spec.env ?? {})
    .withStartupTimeout(spec.startupTimeoutMs ?? 60_000);
  if (spec.command) container = container.withCommand(spec.command);
  if (spec.capAdd) container = container.withAddedCapabilities(...spec.capAdd);
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (e) {
    throw new InfrastructureError(`starting external host ${spec.name} (${spec.image}) on network ${spec.network} failed: ${firstLine(messageOf(e))}`, {
      cause: e,
    });
  }
  const ip6 = await globalIpv6Address(started.getId(), spec.network);
  return { name: spec.name, ip: started.getIpAddress(spec.network), ...(ip6 ? { ip6 } : {}), container: started };
}

/** A container's global IPv6 address on a network, or undefined where the network has no IPv6. */
async function globalIpv6Address(containerId: string, network: string): Promise<string | undefined> {
  const c = await docker();
  const info = (await c.container.dockerode.getContainer(containerId).inspect()) as {
    NetworkSettings?: { Networks?: Record<string, { GlobalIPv6Address?: string }> };
  };
  return info.NetworkSettings?.Networks?.[network]?.GlobalIPv6Address || undefined;
}

export interface LabelledResource {
  kind: 'container' | 'network';
  id: string;
  name: string;
  labels: Record<string, string>;
}

/** Containers and networks carrying `label` (optionally with exactly `value`). */
export async function listLabelled(label: string, value?: string): Promise<LabelledResource[]> {
  const c = await docker();
  const dockerode = c.container.dockerode;
  const filters = JSON.stringify({ label: [value === undefined ? label : `${label}=${value}`] });
  const containers = await dockerode.listContainers({ all: true, filters });
  const networks = await dockerode.listNetworks({ filters });
  return [
    ...containers.map((x) => ({ kind: 'container' as const, id: x.Id, name: (x.Names[0] ?? x.Id).replace(/^\//, ''), labels: x.Labels })),
    ...networks.map((x) => ({ kind: 'network' as const, id: x.Id, name: x.Name, labels: x.Labels ?? {} })),
  ];
}

export async function removeResource(resource: LabelledResource): Promise<void> {
  const c = await docker();
  const dockerode = c.container.dockerode;
  try {
    if (resource.kind === 'container') await dockerode.getContainer(resource.id).remove({ force: true, v: true });
    else await dockerode.getNetwork(resource.id).remove();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return;
    throw new InfrastructureError(`removing ${resource.kind} ${resource.name} failed: ${messageOf(e)}`, { cause: e });
  }
}

/** Create a labelled bridge network (tests use one in place of kind's `kind` network). */
export async function createNetwork(name: string, networkLabels: Record<string, string>): Promise<string> {
  const c = await docker();
  const network = await c.network.create({ Name: name, Driver: 'bridge', Labels: networkLabels, CheckDuplicate: true });
  return network.id;
}

/** Build an image from a directory with a Dockerfile (used for locally made images). */
export async function buildImage(contextDir: string, tag: string, imageLabels: Record<string, string>): Promise<void> {
  const c = await docker();
  await c.image.build(contextDir, { t: tag, labels: imageLabels, dockerfile: 'Dockerfile' });
}

export async function removeImage(ref: string): Promise<void> {
  const c = await docker();
  try {
    await c.container.dockerode.getImage(ref).remove({ force: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function abortPromise(signal: AbortSignal | undefined): { promise: Promise<never>; dispose: () => void } {
  if (!signal) return { promise: new Promise<never>(() => {}), dispose: () => {} };
  let onAbort = (): void => {};
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(new CancelledError('cancelled'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  return { promise, dispose: () => signal.removeEventListener('abort', onAbort) };
}

// ---------------------------------------------------------------------------------------------
// Images built without a registry (lib/images): import, tag, save, commit.

export interface ImageInfo {
  id: string;
  labels: Record<string, string>;
}

/** The local image a reference names, or undefined. */
export async function inspectImage(ref: string): Promise<ImageInfo | undefined> {
  const c = await docker();
  try {
    const info = (await c.container.dockerode.getImage(ref).inspect()) as { Id: string; Config?: { Labels?: Record<string, string> | null } };
    return { id: info.Id, labels: info.Config?.Labels ?? {} };
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw new InfrastructureError(`docker image inspect ${ref} failed: ${messageOf(e)}`, { cause: e });
  }
}

function splitRef(ref: string): { repo: string; tag: string } {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? { repo: ref.slice(0, at), tag: ref.slice(at + 1) } : { repo: ref, tag: 'latest' };
}

/** `docker import` of a rootfs tarball with Dockerfile-style changes (ENV, ENTRYPOINT, LABEL...). */
export async function importImage(tarball: string, ref: string, changes: string[]): Promise<string> {
  const c = await docker();
  const { repo, tag } = splitRef(ref);
  try {
    const stream = (await c.container.dockerode.importImage(tarball, { repo, tag, changes })) as NodeJS.ReadableStream;
    const output = await streamText(stream);
    const error = /"error(?:Detail)?"\s*:\s*(?:\{[^}]*"message"\s*:\s*)?"([^"]+)"/.exec(output)?.[1];
    if (error) throw new Error(error);
  } catch (e) {
    throw new InfrastructureError(`docker import ${tarball} ${ref} failed: ${messageOf(e)}`, { cause: e });
  }
  const info = await inspectImage(ref);
  if (!info) throw new InfrastructureError(`docker import ${ref}: no image afterwards`);
  return info.id;
}

export async function tagImage(source: string, ref: string): Promise<void> {
  const c = await docker();
  const { repo, tag } = splitRef(ref);
  await c.container.dockerode.getImage(source).tag({ repo, tag });
}

/** `docker save` of one image into a file (the docker-archive format `ctr import` reads). */
export async function saveImage(ref: string, file: string): Promise<void> {
  const c = await docker();
  const { createWriteStream } = await import('node:fs');
  const { pipeline } = await import('node:stream/promises');
  const stream = (await c.container.dockerode.getImage(ref).get()) as NodeJS.ReadableStream;
  await pipeline(stream, createWriteStream(file));
}

/** A container of `image` that only sleeps, labelled, for assembling an image inside it. */
export async function startSleepingContainer(image: string, name: string, containerLabels: Record<string, string>): Promise<string> {
  const c = await docker();
  const dockerode = c.container.dockerode;
  const container = await dockerode.createContainer({
    Image: image,
    name,
    Entrypoint: ['sleep', 'infinity'],
    Labels: containerLabels,
    HostConfig: { SecurityOpt: ['seccomp=unconfined'] },
  });
  await container.start();
  return container.id;
}

/** Extract a tar archive into a container at `path` (the Docker archive API). */
export async function putArchive(containerId: string, tarball: string, path: string): Promise<void> {
  const c = await docker();
  await c.container.dockerode.getContainer(containerId).putArchive(tarball, { path });
}

/** `docker commit` with changes; returns the new image's id. */
export async function commitContainer(containerId: string, ref: string, changes: string[]): Promise<string> {
  const c = await docker();
  const { repo, tag } = splitRef(ref);
  const result = (await c.container.dockerode.getContainer(containerId).commit({ repo, tag, changes: changes.join('\n') })) as { Id: string };
  return result.Id;
}

export async function removeContainer(containerId: string): Promise<void> {
  const c = await docker();
  try {
    await c.container.dockerode.getContainer(containerId).remove({ force: true, v: true });
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
}

function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    stream.on('end', () => resolve(text));
    stream.on('error', reject);
  });
}
