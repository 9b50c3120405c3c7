// The kind provider's public surface (see docs/kind.md).
export { createKindCluster, checkKindPrerequisites, KindCluster } from './cluster.ts';
export type { KindClusterOptions, KindOptions } from './cluster.ts';
export { sweepKind } from './clean.ts';
export type { SweepOptions, SweepResult } from './clean.ts';
export { kindClusterName, renderKindConfig, kindConfig } from './config.ts';
export { ensureTool } from './tools.ts';
