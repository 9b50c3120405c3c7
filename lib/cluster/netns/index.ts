// The netns provider's public surface (see lib/cluster/netns/README.md).
export { createNetnsCluster, NetnsCluster, type NetnsClusterOptions } from './cluster.ts';
export { cleanNetns, type CleanOptions, type CleanReport } from './clean.ts';
export { checkPrerequisites } from './prerequisites.ts';
export { hostNetworkState } from './ip.ts';
export { resourcePrefix, runNames } from './topology.ts';
