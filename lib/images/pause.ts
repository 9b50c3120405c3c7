// The pause image's binary, compiled from Kubernetes' own build/pause/linux/pause.c as its
// Makefile does (gcc -Os -Wall -Werror -static), cached by version.
import { randomBytes } from 'node:crypto';
import { access, constants, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError, PrerequisiteError, messageOf } from '../errors.ts';
import type { Logger } from '../log.ts';
import { cacheRoot } from '../upstream/cache.ts';

export async function buildPause(source: string, version: string, o: { env: NodeJS.ProcessEnv; signal: AbortSignal; log: Logger }): Promise<string> {
  const target = join(cacheRoot(o.env), 'bin', 'pause', version, 'pause');
  if (await access(target, constants.X_OK).then(() => true, () => false)) return target;
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await execa('gcc', ['-Os', '-Wall', '-Werror', '-static', `-DVERSION=v${version}-netpol-conformance`, '-o', temp, source], { cancelSignal: o.signal, stdin: 'ignore' });
    await rename(temp, target);
  } catch (e) {
    const err = e as { code?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new PrerequisiteError('gcc is not installed (needed for the pause image); apt-get install gcc libc6-dev', { cause: e });
    throw new InfrastructureError(`gcc ${source}: ${err.stderr?.trim().split('\n').slice(-3).join(' | ') ?? messageOf(e)}`, { cause: e });
  } finally {
    await rm(temp, { force: true });
  }
  o.log.info(`built pause ${version}: ${target}`);
  return target;
}
