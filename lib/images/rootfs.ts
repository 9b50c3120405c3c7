// Root filesystems for the images built without a registry: a Debian minbase made with
// debootstrap (once, cached as a tarball with its package lists), Debian packages installed into a
// copy of it with chroot + apt-get, a small static skeleton for single-binary images (as
// distroless/static gives), and tarballs of the result. The only code that runs debootstrap,
// chroot and tar for images.
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { CancelledError, InfrastructureError, PrerequisiteError, messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { sha256File } from '../upstream/calico-source.ts';

export interface DebianPins {
  suite: string;
  mirror: string;
}

export interface RootfsOptions {
  signal?: AbortSignal;
  log: Logger;
}

async function run(file: string, args: string[], options: RootfsOptions & { env?: Record<string, string>; timeoutMs?: number }): Promise<string> {
  try {
    const result = await execa(file, args, {
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      stdin: 'ignore',
      timeout: options.timeoutMs ?? 30 * 60_000,
      env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C', ...options.env },
    });
    return result.stdout;
  } catch (e) {
    const err = e as { code?: string; isCanceled?: boolean; stderr?: unknown; stdout?: unknown; shortMessage?: string };
    if (err.code === 'ENOENT') {
      throw new PrerequisiteError(`${file} is not installed (needed to build images); install it: apt-get install ${file === 'chroot' ? 'coreutils' : file}`, { cause: e });
    }
    if (err.isCanceled || options.signal?.aborted) throw new CancelledError(`${file}: cancelled`, { cause: e });
    const tail = [err.stderr, err.stdout].filter((x): x is string => typeof x === 'string').join('\n').trim().split('\n').slice(-12).join('\n');
    throw new InfrastructureError(`${file} ${args.join(' ')}: ${err.shortMessage ?? messageOf(e)}\n${tail}`, { cause: e });
  }
}

/**
 * `<dir>/debian-<suite>-minbase.tar`: debootstrap --variant=minbase with the package lists
 * fetched, made once. Returns the tarball and its sha256 (an input of every image made from it).
 */
export async function debianMinbase(dir: string, pins: DebianPins, options: RootfsOptions): Promise<{ tarball: string; sha256: string }> {
  const tarball = join(dir, `debian-${pins.suite}-minbase.tar`);
  const hashFile = `${tarball}.sha256`;
  const known = await readFile(hashFile, 'utf8').catch(() => undefined);
  if (known) return { tarball, sha256: known.trim() };
  if (process.getuid?.() !== 0) throw new PrerequisiteError('building the kind images needs root (debootstrap, chroot); run as root');
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `minbase.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
  const started = Date.now();
  try {
    options.log.info(`debootstrap --variant=minbase ${pins.suite} from ${pins.mirror} (once; about a minute)`);
    await run('debootstrap', ['--variant=minbase', pins.suite, join(temp, 'root'), pins.mirror], options);
    await chrootRun(join(temp, 'root'), ['apt-get', 'update', '-qq'], options);
    await run('tar', ['-C', join(temp, 'root'), '--numeric-owner', '-cf', join(temp, 'root.tar'), '.'], options);
    const sha256 = await sha256File(join(temp, 'root.tar'));
    await rename(join(temp, 'root.tar'), tarball);
    await writeFile(hashFile, `${sha256}\n`);
    options.log.info(`debian ${pins.suite} minbase ready in ${Math.round((Date.now() - started) / 1000)} s: ${tarball}`);
    return { tarball, sha256 };
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
}

async function chrootRun(root: string, argv: string[], options: RootfsOptions): Promise<string> {
  // resolv.conf from the host so apt reaches the mirror; replaced by the runtime in containers.
  await copyFile('/etc/resolv.conf', join(root, 'etc/resolv.conf')).catch(() => undefined);
  return run('chroot', [root, ...argv], { ...options, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
}

/** Extract the minbase into `root` and install `packages` with apt-get; returns `package version` lines. */
export async function debianRootfs(root: string, minbase: string, packages: readonly string[], options: RootfsOptions): Promise<string[]> {
  await mkdir(root, { recursive: true });
  await run('tar', ['-C', root, '--numeric-owner', '-xf', minbase], options);
  if (packages.length > 0) {
    // No daemon may start inside the chroot.
    await writeFile(join(root, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n');
    await chmod(join(root, 'usr/sbin/policy-rc.d'), 0o755);
    await chrootRun(root, ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...packages], options);
    await rm(join(root, 'usr/sbin/policy-rc.d'), { force: true });
  }
  const installed = (await chrootRun(root, ['dpkg-query', '-W', '-f', '${Package} ${Version}\\n'], options)).trim().split('\n');
  // As kind's clean-install: no caches, lists, logs or docs in the image.
  for (const path of ['var/cache/apt', 'var/lib/apt/lists', 'var/cache/debconf', 'var/log', 'usr/share/doc', 'usr/share/man', 'tmp', 'var/tmp']) {
    await rm(join(root, path), { recursive: true, force: true });
    await mkdir(join(root, path), { recursive: true });
  }
  await chmod(join(root, 'tmp'), 0o1777);
  await chmod(join(root, 'var/tmp'), 0o1777);
  await writeFile(join(root, 'etc/resolv.conf'), '');
  return installed;
}

/** What distroless/static gives a single static binary: users, name service, CA bundle, /tmp. */
export async function staticRootfs(root: string): Promise<void> {
  for (const dir of ['etc/ssl/certs', 'tmp', 'usr/local/bin', 'usr/bin', 'bin', 'var/run']) await mkdir(join(root, dir), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n');
  await writeFile(join(root, 'etc/group'), 'root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n');
  await writeFile(join(root, 'etc/nsswitch.conf'), 'hosts: files dns\n');
  await copyFile('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/ssl/certs/ca-certificates.crt')).catch(() => undefined);
}

/** Run a command inside a finished rootfs (e.g. systemctl enable), as a Dockerfile RUN would. */
export function runInRootfs(root: string, argv: string[], options: RootfsOptions): Promise<string> {
  return chrootRun(root, argv, options);
}

export async function tarRootfs(root: string, tarball: string, options: RootfsOptions): Promise<void> {
  await mkdir(dirname(tarball), { recursive: true });
  await run('tar', ['-C', root, '--numeric-owner', '-cf', tarball, '.'], options);
}

/** Run a host binary and return its stdout (e.g. `ctr oci spec`, which needs no daemon). */
export function hostOutput(file: string, args: string[], options: RootfsOptions): Promise<string> {
  return run(file, args, options);
}
