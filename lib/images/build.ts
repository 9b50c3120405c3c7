// `netpol-conformance images`: builds, from pinned inputs only, every image a kind run needs when
// no registry is reachable, and keeps them in the local Docker. Each image carries a label with
// the hash of everything that went into it, so a warm rebuild is a no-op; the IDs are written to
// <cache>/images/images.json, which runs copy into report.json's environment.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, chown, copyFile, cp, lstat, mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CancelledError, InfrastructureError, PrerequisiteError } from '../errors.ts';
import type { Logger } from '../log.ts';
import {
  buildImage,
  commitContainer,
  importImage,
  inspectImage,
  putArchive,
  removeContainer,
  saveImage,
  startSleepingContainer,
  tagImage,
  execInContainer,
  labels as dockerLabels,
} from '../cluster/kind/docker.ts';
import { loadKindPins, type KindPins } from '../cluster/kind/pins.ts';
import { ensureTool, imageTools } from '../cluster/kind/tools.ts';
import { cacheRoot, ensureBinary, ensureCalicoBinary, imageBinaries, loadVersions } from '../upstream/index.ts';
import { goModuleDir } from '../upstream/go-modules.ts';
import { buildPause } from './pause.ts';
import { debianMinbase, debianRootfs, hostOutput, runInRootfs, staticRootfs, tarRootfs } from './rootfs.ts';
import { calicoImageSpecs, fixtureImageSpec, kindNodeRootfsSpec, kubernetesImageSpecs, nodeImageRef, type ImageInputs, type ImageSpec } from './specs.ts';

export const inputsLabel = 'io.netpol-conformance.inputs';

export interface BuiltImage {
  name: string;
  ref: string;
  id: string;
  /** sha256 of everything that went into it. */
  inputs: string;
  /** False when the image was already there with the same inputs. */
  built: boolean;
  seconds: number;
  /** `package version` of the Debian packages in it, when it has any. */
  packages?: string[];
}

export interface ImagesManifest {
  schemaVersion: 1;
  kubernetes: string;
  node: BuiltImage;
  kubernetesImages: BuiltImage[];
  fixture: BuiltImage;
  calico: Record<string, BuiltImage[]>;
  /** Seconds per stage of the last build (binaries, rootfs, each image). */
  builtAt: string;
}

export interface BuildImagesOptions {
  calicoVersions: string[];
  signal: AbortSignal;
  log: Logger;
  env?: NodeJS.ProcessEnv;
}

export function imagesManifestPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'images', 'images.json');
}

export async function readImagesManifest(env: NodeJS.ProcessEnv = process.env): Promise<ImagesManifest | undefined> {
  return readFile(imagesManifestPath(env), 'utf8').then(
    (t) => JSON.parse(t) as ImagesManifest,
    () => undefined,
  );
}

/** The tag of the fixture image built here (agnhost with Debian's nc, curl and ping). */
export function localFixtureRef(kubernetes: string): string {
  return `netpol-conformance/agnhost:${kubernetes}`;
}

export async function buildImages(options: BuildImagesOptions): Promise<ImagesManifest> {
  const env = options.env ?? process.env;
  const { log, signal } = options;
  if (process.getuid?.() !== 0) throw new PrerequisiteError('netpol-conformance images must run as root (debootstrap, chroot); run it with sudo');
  const versions = loadVersions();
  const pins = loadKindPins();
  const stage = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    log.info(`${what}...`);
    const result = await work();
    log.info(`${what}: done in ${Math.round((Date.now() - started) / 1000)} s`);
    return result;
  };
  const work = join(cacheRoot(env), 'images');
  // debootstrap is network and disk bound, the Go builds CPU bound: on a cold machine they overlap.
  const minbasePromise = stage(`Debian ${pins.images.debian.suite} minbase`, () => debianMinbase(work, pins.images.debian, { signal, log }));
  minbasePromise.catch(() => undefined);
  const inputs = await stage('binaries (Go modules, pause)', () => binaries(versions.kubernetes, pins, { signal, log, env }));
  const calico: Record<string, string> = {};
  for (const version of options.calicoVersions) {
    calico[version] = await stage(`Calico ${version} binaries`, async () => {
      const node = await ensureCalicoBinary(version, 'calico-node', imageBinaries, { signal, log, env });
      return dirname(node);
    });
  }
  const minbase = await minbasePromise;
  const ctx: SpecContext = { work, minbase, signal, log };

  const kubernetesImages: BuiltImage[] = [];
  for (const spec of kubernetesImageSpecs(inputs)) kubernetesImages.push(await buildSpec(spec, ctx));
  const rootfs = await buildSpec(kindNodeRootfsSpec(inputs), ctx);
  const node = await preloadNodeImage(nodeImageRef(versions.kubernetes), rootfs, kubernetesImages, ctx);
  const fixture = await buildSpec(fixtureImageSpec(inputs, localFixtureRef(versions.kubernetes)), ctx);
  const calicoImages: Record<string, BuiltImage[]> = {};
  for (const [version, dir] of Object.entries(calico)) {
    const registry = calicoRegistry(version);
    calicoImages[version] = [];
    for (const spec of calicoImageSpecs({ version, dir, registry, tools: inputs.tools })) calicoImages[version].push(await buildSpec(spec, ctx));
  }
  const previous = await readImagesManifest(env);
  const manifest: ImagesManifest = {
    schemaVersion: 1,
    kubernetes: versions.kubernetes,
    node,
    kubernetesImages,
    fixture,
    // Keep other Calico versions built before.
    calico: { ...(previous?.calico ?? {}), ...calicoImages },
    builtAt: new Date().toISOString(),
  };
  await mkdir(dirname(imagesManifestPath(env)), { recursive: true });
  await writeFile(`${imagesManifestPath(env)}.tmp`, JSON.stringify(manifest, null, 2) + '\n');
  await rename(`${imagesManifestPath(env)}.tmp`, imagesManifestPath(env));
  return manifest;
}

/** Calico moved its images from docker.io/calico to quay.io/calico in v3.31. */
export function calicoRegistry(version: string): string {
  const m = /^v(\d+)\.(\d+)/.exec(version);
  return m && Number(m[1]) * 1000 + Number(m[2]) < 3031 ? 'docker.io/calico' : 'quay.io/calico';
}

async function binaries(kubernetes: string, pins: KindPins, o: { signal: AbortSignal; log: Logger; env: NodeJS.ProcessEnv }): Promise<ImageInputs> {
  const k8s: Record<string, string> = {};
  for (const c of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kube-proxy', 'kubelet', 'kubeadm', 'kubectl', 'etcd', 'agnhost'] as const) {
    k8s[c] = await ensureBinary(c, undefined, { signal: o.signal, log: o.log, env: o.env });
  }
  const tools: Record<string, string> = {};
  for (const t of imageTools) tools[t] = await ensureTool(t, { signal: o.signal, log: o.log, env: o.env });
  const kubernetesModule = await goModuleDir('k8s.io/kubernetes', kubernetes, o.signal);
  tools.pause = await buildPause(join(kubernetesModule, 'build', 'pause', 'linux', 'pause.c'), pins.images.pause, { env: o.env, signal: o.signal, log: o.log });
  const kindModule = await goModuleDir('sigs.k8s.io/kind', pins.kind, o.signal);
  const kindBaseFiles = join(kindModule, 'images', 'base', 'files');
  const criBase = JSON.parse(await hostOutput(tools.ctr!, ['oci', 'spec'], o)) as { hooks?: { createContainer?: { path: string }[] }; process?: { rlimits?: unknown } };
  // As kind's base Dockerfile: the product-name hook added, rlimits dropped.
  criBase.hooks = { ...criBase.hooks, createContainer: [...(criBase.hooks?.createContainer ?? []), { path: '/kind/bin/mount-product-files.sh' }] };
  if (criBase.process) delete criBase.process.rlimits;
  return {
    kubernetes,
    pins: pins.images,
    k8s,
    tools,
    kindBaseFiles,
    kindBaseFileList: await listFiles(kindBaseFiles),
    agnhostFiles: {
      crt: join(kubernetesModule, 'test', 'images', 'agnhost', 'porter', 'localhost.crt'),
      key: join(kubernetesModule, 'test', 'images', 'agnhost', 'porter', 'localhost.key'),
    },
    criBaseJson: JSON.stringify(criBase, null, 2) + '\n',
  };
}

interface SpecContext {
  work: string;
  minbase: { tarball: string; sha256: string };
  signal: AbortSignal;
  log: Logger;
}

/** sha256 over the spec with every host file replaced by its content's hash. */
export async function specInputs(spec: ImageSpec, minbaseSha256: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ ...spec, files: spec.files.map((f) => ({ to: f.to, mode: f.mode })), trees: spec.trees?.map((t) => t.to) }));
  if (spec.rootfs.kind === 'debian') hash.update(minbaseSha256);
  for (const f of spec.files) hash.update(await fileHash(f.from));
  for (const t of spec.trees ?? []) {
    for (const rel of await listFiles(t.from)) {
      hash.update(rel);
      hash.update(await fileHash(join(t.from, rel)));
    }
  }
  return hash.digest('hex');
}

const fileHashes = new Map<string, Promise<string>>();
function fileHash(path: string): Promise<string> {
  let h = fileHashes.get(path);
  if (!h) {
    h = readFile(path).then((b) => createHash('sha256').update(b).digest('hex'));
    fileHashes.set(path, h);
  }
  return h;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(join(dir, prefix), { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out;
}

/** Build one image unless the local Docker has it with the same inputs. */
async function buildSpec(spec: ImageSpec, ctx: SpecContext): Promise<BuiltImage> {
  if (ctx.signal.aborted) throw new CancelledError('image build cancelled');
  const started = Date.now();
  const inputs = await specInputs(spec, ctx.minbase.sha256);
  const existing = await inspectImage(spec.ref);
  if (existing?.labels[inputsLabel] === inputs) {
    for (const ref of spec.alsoTag ?? []) await tagImage(spec.ref, ref);
    ctx.log.info(`${spec.ref}: up to date (${existing.id.slice(7, 19)})`);
    return { name: spec.name, ref: spec.ref, id: existing.id, inputs, built: false, seconds: 0, ...packagesOf(existing.labels) };
  }
  ctx.log.info(`building ${spec.ref}`);
  const temp = join(ctx.work, `build-${spec.name}-${process.pid}-${randomBytes(4).toString('hex')}`);
  const root = join(temp, 'root');
  let packages: string[] | undefined;
  try {
    await mkdir(root, { recursive: true });
    if (spec.rootfs.kind === 'debian') {
      packages = await debianRootfs(root, ctx.minbase.tarball, spec.rootfs.packages, ctx);
      for (const argv of spec.prepare ?? []) await runInRootfs(root, argv, ctx);
    } else if (spec.rootfs.kind === 'static') {
      await staticRootfs(root);
    }
    for (const d of spec.dirs ?? []) {
      await mkdir(join(root, d.path), { recursive: true });
      if (d.mode !== undefined) await chmod(join(root, d.path), d.mode);
    }
    for (const t of spec.trees ?? []) await cp(t.from, join(root, t.to), { recursive: true, force: true });
    for (const f of spec.files) {
      await mkdir(dirname(join(root, f.to)), { recursive: true });
      await copyFile(f.from, join(root, f.to));
      await chmod(join(root, f.to), f.mode);
    }
    for (const w of spec.writes ?? []) {
      await mkdir(dirname(join(root, w.path)), { recursive: true });
      await writeFile(join(root, w.path), w.content, { mode: w.mode ?? 0o644 });
    }
    for (const l of spec.links ?? []) {
      await rm(join(root, l.path), { force: true });
      await symlink(l.target, join(root, l.path));
    }
    for (const d of spec.dirs ?? []) if (d.owner !== undefined) await chownTree(join(root, d.path), d.owner);
    for (const argv of spec.run ?? []) await runInRootfs(root, argv, ctx);
    const tarball = join(temp, 'rootfs.tar');
    await tarRootfs(root, tarball, ctx);
    const changes = dockerChanges(spec, { [inputsLabel]: inputs, [dockerLabels.role]: 'image', ...(packages ? { 'io.netpol-conformance.packages': packages.join(',') } : {}) });
    let id = await importImage(tarball, spec.ref, changes);
    if (spec.config.stopSignal) {
      // `docker import` takes no STOPSIGNAL; a one-line build on top of the import sets it.
      await mkdir(join(temp, 'stop'), { recursive: true });
      await writeFile(join(temp, 'stop', 'Dockerfile'), `FROM ${id}\nSTOPSIGNAL ${spec.config.stopSignal}\n`);
      await buildImage(join(temp, 'stop'), spec.ref, {});
      id = (await inspectImage(spec.ref))!.id;
    }
    for (const ref of spec.alsoTag ?? []) await tagImage(spec.ref, ref);
    const seconds = Math.round((Date.now() - started) / 1000);
    ctx.log.info(`built ${spec.ref} in ${seconds} s (${id.slice(7, 19)})`);
    return { name: spec.name, ref: spec.ref, id, inputs, built: true, seconds, ...(packages ? { packages } : {}) };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

function packagesOf(imageLabels: Record<string, string>): { packages?: string[] } {
  const p = imageLabels['io.netpol-conformance.packages'];
  return p ? { packages: p.split(',') } : {};
}

async function chownTree(path: string, uid: number): Promise<void> {
  await chown(path, uid, uid);
  const info = await lstat(path);
  if (info.isDirectory()) for (const name of await readdir(path)) await chownTree(join(path, name), uid);
}

/** Pure: Dockerfile instructions for `docker import --change`. */
export function dockerChanges(spec: ImageSpec, imageLabels: Record<string, string>): string[] {
  const c = spec.config;
  const changes: string[] = [];
  for (const [k, v] of Object.entries(c.env ?? {})) changes.push(`ENV ${k}=${v}`);
  if (c.entrypoint) changes.push(`ENTRYPOINT ${JSON.stringify(c.entrypoint)}`);
  if (c.cmd) changes.push(`CMD ${JSON.stringify(c.cmd)}`);
  if (c.user) changes.push(`USER ${c.user}`);
  if (c.workdir) changes.push(`WORKDIR ${c.workdir}`);
  for (const [k, v] of Object.entries(imageLabels)) changes.push(`LABEL ${k}=${JSON.stringify(v)}`);
  return changes;
}

/**
 * The node image: containerd started in a container of the rootfs image, the Kubernetes images
 * imported into its k8s.io namespace as kind's node-image build does (ctr images import
 * --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests), then committed.
 */
async function preloadNodeImage(ref: string, rootfs: BuiltImage, images: BuiltImage[], ctx: SpecContext): Promise<BuiltImage> {
  const started = Date.now();
  const inputs = createHash('sha256')
    .update([rootfs.id, ...images.map((i) => `${i.ref}@${i.id}`)].join('\n'))
    .digest('hex');
  const existing = await inspectImage(ref);
  if (existing?.labels[inputsLabel] === inputs) {
    ctx.log.info(`${ref}: up to date (${existing.id.slice(7, 19)})`);
    return { name: 'kind-node', ref, id: existing.id, inputs, built: false, seconds: 0, ...(rootfs.packages ? { packages: rootfs.packages } : {}) };
  }
  ctx.log.info(`building ${ref}: preloading ${images.length} images into containerd`);
  const temp = join(ctx.work, `preload-${process.pid}-${randomBytes(4).toString('hex')}`);
  let container: string | undefined;
  try {
    await mkdir(join(temp, 'preload'), { recursive: true });
    for (const [i, image] of images.entries()) await saveImage(image.ref, join(temp, 'preload', `${i}.tar`));
    await tarRootfs(temp, `${temp}.tar`, ctx);
    container = await startSleepingContainer(rootfs.ref, `netpol-conformance-node-build-${randomBytes(4).toString('hex')}`, { [dockerLabels.role]: 'image-build' });
    await putArchive(container, `${temp}.tar`, '/kind');
    const script = [
      'set -e',
      '(containerd > /var/log/containerd-build.log 2>&1 &)',
      'for i in $(seq 150); do ctr version >/dev/null 2>&1 && break; sleep 0.2; done',
      'for f in /kind/preload/*.tar; do ctr -n k8s.io images import --label=io.cri-containerd.pinned=pinned --all-platforms --no-unpack --digests "$f" >/dev/null; done',
      'ctr -n k8s.io images ls -q',
      'pkill containerd; for i in $(seq 100); do pgrep -x containerd >/dev/null || break; sleep 0.1; done',
      'rm -rf /kind/preload /var/log/containerd-build.log',
    ].join('\n');
    const result = await execInContainer(container, ['bash', '-c', script], { timeoutMs: 10 * 60_000, signal: ctx.signal });
    if (result.exitCode !== 0) throw new InfrastructureError(`preloading images into the node image failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-5).join(' | ')}`);
    const listed = result.stdout.trim().split('\n');
    const missing = images.filter((i) => !listed.some((l) => l === i.ref || l === `docker.io/${i.ref}`));
    if (missing.length > 0) throw new InfrastructureError(`the node image's containerd does not list ${missing.map((m) => m.ref).join(', ')} after the import`);
    // docker commit keeps the rootfs image's config (STOPSIGNAL too) and adds these.
    const id = await commitContainer(container, ref, [
      'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]',
      `LABEL ${inputsLabel}=${JSON.stringify(inputs)}`,
      `LABEL ${dockerLabels.role}="image"`,
    ]);
    const seconds = Math.round((Date.now() - started) / 1000);
    ctx.log.info(`built ${ref} in ${seconds} s (${id.slice(7, 19)}); preloaded: ${images.map((i) => i.ref).join(', ')}`);
    return { name: 'kind-node', ref, id, inputs, built: true, seconds, ...(rootfs.packages ? { packages: rootfs.packages } : {}) };
  } finally {
    if (container) await removeContainer(container).catch(() => undefined);
    await rm(temp, { recursive: true, force: true });
    await rm(`${temp}.tar`, { force: true });
  }
}

