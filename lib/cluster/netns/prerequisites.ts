// What the netns provider needs from the machine, checked before anything is created, with the
// Debian package that provides each missing program.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PrerequisiteError } from '../../errors.ts';

/** Program -> Debian package. */
export const requiredPrograms: Record<string, string> = {
  ip: 'iproute2',
  sysctl: 'procps',
  'iptables-nft-restore': 'iptables',
  'iptables-legacy-restore': 'iptables',
  ipset: 'ipset',
  conntrack: 'conntrack',
  nft: 'nftables',
  socat: 'socat',
  curl: 'curl',
  ping: 'iputils-ping',
  nc: 'netcat-openbsd',
  openssl: 'openssl',
};

export async function findProgram(name: string, path = process.env.PATH ?? ''): Promise<string | undefined> {
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/sbin']) {
    if (!dir) continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

export async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new PrerequisiteError('the netns provider needs root (network namespaces, iptables); run as root or use --provider kind');
  }
  const missing: string[] = [];
  for (const [program, pkg] of Object.entries(requiredPrograms)) {
    if (!(await findProgram(program))) missing.push(`${program} (Debian package ${pkg})`);
  }
  if (missing.length > 0) {
    const packages = [...new Set(Object.entries(requiredPrograms).filter(([p]) => missing.some((m) => m.startsWith(`${p} `))).map(([, pkg]) => pkg))];
    throw new PrerequisiteError(`the netns provider needs ${missing.join(', ')}; install with: apt-get install -y ${packages.join(' ')}`);
  }
}
