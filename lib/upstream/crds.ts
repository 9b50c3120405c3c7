// Locates the Calico CRD manifests in the Go module cache, for the netns provider to apply.
import { join } from 'node:path';
import { access } from 'node:fs/promises';
import { InfrastructureError } from '../errors.ts';
import { calicoBuildDir, readCalicoBuild } from './calico-source.ts';
import { go } from './go.ts';
import { calicoDir, calicoModule } from './gomod.ts';
import { upstreamDir } from './recipes.ts';
import { calicoPins, loadVersions, type UpstreamVersions } from './versions.ts';

export interface CrdOptions {
  signal?: AbortSignal;
  versions?: UpstreamVersions;
  env?: NodeJS.ProcessEnv;
}

/**
 * Directory holding Calico's CRDs for a Calico release: a source build's manifests (readCrds
 * takes the CustomResourceDefinitions from them), or libcalico-go/config/crd of the Calico module
 * at its pinned pseudo-version (checked against the committed go.sum), downloaded when needed.
 */
export async function calicoCrdDir(release: string, options: CrdOptions = {}): Promise<string> {
  const versions = options.versions ?? loadVersions();
  // A build from source keeps its release's manifests: the CRDs are the ones calico.yaml installs.
  if (!versions.calicoGoModules.has(release)) {
    const record = await readCalicoBuild(release, options.env);
    if (record) return join(calicoBuildDir(release, options.env), 'manifests');
  }
  const pins = calicoPins(versions, release);
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
