// Locates the Calico CRD manifests in the Go module cache, for the netns provider to apply.
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { InfrastructureError } from '../errors.ts';
import { go } from './go.ts';
import { calicoDir, calicoModule } from './gomod.ts';
import { upstreamDir } from './recipes.ts';
import { calicoPins, loadVersions, type UpstreamVersions } from './versions.ts';

export interface CrdOptions {
  signal?: AbortSignal;
  versions?: UpstreamVersions;
}

/**
 * Directory holding Calico's CRDs (crd.projectcalico.org_*.yaml and the
 * policy.networking.k8s.io AdminNetworkPolicy ones) for a Calico release, downloading the
 * module at its pinned pseudo-version (checked against the committed go.sum) when needed.
 */
export async function calicoCrdDir(release: string, options: CrdOptions = {}): Promise<string> {
  const pins = calicoPins(options.versions ?? loadVersions(), release);
  const out = await go(['mod', 'download', '-json', `${calicoModule}@${pins.calico}`], {
    cwd: join(upstreamDir, calicoDir(release)),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const { Dir } = JSON.parse(out) as { Dir?: string };
  if (!Dir) throw new InfrastructureError(`go mod download ${calicoModule}@${pins.calico} printed no Dir: ${out}`);
  const dir = join(Dir, 'libcalico-go', 'config', 'crd');
  try {
    await access(dir);
  } catch (e) {
    throw new InfrastructureError(`Calico ${release} (${calicoModule}@${pins.calico}) has no ${dir}`, { cause: e });
  }
  return dir;
}
