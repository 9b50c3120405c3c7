// The upstream-binaries boundary: the only code that runs `go`. Everything else imports from here.
export { ensureBinary, ensureCalicoBinary, type EnsureOptions } from './ensure.ts';
export {
  buildCalico,
  cachedCalicoBuilds,
  calicoBuildDir,
  identifyCalicoSource,
  imageBinaries,
  netnsBinaries,
  readCalicoBuild,
  sourceTree,
  type CalicoBinary,
  type CalicoBuildRecord,
  type CalicoSource,
} from './calico-source.ts';
export { calicoCrdDir, type CrdOptions } from './crds.ts';
export { cacheRoot, cachedBinaryPath, components, type Component } from './cache.ts';
export { overrideVariables } from './overrides.ts';
export { loadVersions, type UpstreamVersions } from './versions.ts';
