// The upstream-binaries boundary: the only code that runs `go`. Everything else imports from here.
export { ensureBinary, type EnsureOptions } from './ensure.ts';
export { calicoCrdDir, type CrdOptions } from './crds.ts';
export { cacheRoot, cachedBinaryPath, components, type Component } from './cache.ts';
export { overrideVariables } from './overrides.ts';
export { loadVersions, type UpstreamVersions } from './versions.ts';
