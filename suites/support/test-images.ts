// Images the kind-provider suite builds locally (no registry is needed): a rootfs made from this
// machine's own busybox-static, plus iptables (xtables-nft-multi) and nft with the libraries they
// load, imported `FROM scratch`. Tagged by the hash of what went in, so a rebuild happens only
// when the host's binaries change.
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { execa } from 'execa';
import { buildImage, imageExists, labels } from '../../lib/cluster/kind/docker.ts';

const busybox = '/bin/busybox';
const applets = ['sh', 'sleep', 'ping', 'httpd', 'nc', 'cat', 'echo', 'wget', 'mkdir', 'ls', 'true', 'hostname', 'ip'];
const xtablesDir = '/usr/lib/x86_64-linux-gnu/xtables';
const netBinaries = ['/usr/sbin/xtables-nft-multi', '/usr/sbin/nft'];
const iptablesLinks = ['iptables', 'iptables-save', 'iptables-restore', 'iptables-nft', 'iptables-nft-save', 'iptables-nft-restore'];

export type TestImage = 'busybox' | 'iptables';

/** Build (once) and return the tag of a local test image. */
export async function testImage(which: TestImage): Promise<string> {
  const inputs = which === 'busybox' ? [busybox] : [busybox, ...netBinaries];
  const hash = createHash('sha256');
  for (const file of inputs) hash.update(await readFile(file));
  const tag = `netpol-conformance-test/${which}:${hash.digest('hex').slice(0, 12)}`;
  if (await imageExists(tag)) return tag;
  const context = await mkdtemp(join(tmpdir(), `nc-image-${which}-`));
  try {
    const root = join(context, 'rootfs');
    for (const dir of ['bin', 'usr/sbin', 'usr/lib/x86_64-linux-gnu', 'usr/lib64', 'run', 'tmp', 'etc', 'www']) await mkdir(join(root, dir), { recursive: true });
    await symlink('usr/lib', join(root, 'lib'));
    await symlink('usr/lib64', join(root, 'lib64'));
    await copyFile(busybox, join(root, 'bin/busybox'));
    for (const applet of applets) await symlink('busybox', join(root, 'bin', applet));
    await writeFile(join(root, 'www/index.html'), 'external host\n');
    if (which === 'iptables') {
      const libs = new Set<string>();
      const xtables = (await readdir(xtablesDir)).map((f) => join(xtablesDir, f));
      for (const binary of [...netBinaries, ...xtables]) for (const lib of await sharedLibraries(binary)) libs.add(lib);
      for (const lib of libs) {
        const target = lib.includes('ld-linux') ? join(root, 'usr/lib64', basename(lib)) : join(root, 'usr/lib/x86_64-linux-gnu', basename(lib));
        await copyFile(lib, target);
      }
      await mkdir(join(root, xtablesDir), { recursive: true });
      for (const file of xtables) await copyFile(file, join(root, xtablesDir, basename(file))).catch(() => undefined);
      for (const binary of netBinaries) await copyFile(binary, join(root, 'usr/sbin', basename(binary)));
      for (const link of iptablesLinks) await symlink('xtables-nft-multi', join(root, 'usr/sbin', link));
    }
    await writeFile(
      join(context, 'Dockerfile'),
      ['FROM scratch', 'COPY rootfs/ /', 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'CMD ["sleep", "3600"]', ''].join('\n'),
    );
    await buildImage(context, tag, { [labels.role]: 'test-image' });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return tag;
}

/** Resolved paths of the shared libraries a binary loads (from ldd). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await execa('ldd', [binary], { reject: false });
  const libs: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs.filter((l) => dirname(l) !== '');
}
