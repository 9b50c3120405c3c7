// Source directories of Go modules in the module cache, downloaded on first use (checked against
// the checksum database): kind's image definitions, Kubernetes' pause.c and agnhost's files.
import { tmpdir } from 'node:os';
import { InfrastructureError } from '../errors.ts';
import { go } from './go.ts';

export async function goModuleDir(module: string, version: string, signal?: AbortSignal): Promise<string> {
  const out = await go(['mod', 'download', '-json', `${module}@${version}`], { cwd: tmpdir(), env: { GOFLAGS: '-mod=mod' }, ...(signal ? { signal } : {}) });
  const { Dir, Error: error } = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!Dir) throw new InfrastructureError(`go mod download ${module}@${version}: ${error ?? 'no directory'}`);
  return Dir;
}
