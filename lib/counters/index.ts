// Public surface of lib/counters: parse node firewall counters, diff them around a probe, and
// attribute the probe to the Calico chains, rules and NetworkPolicies that decided it.
export type * from './types.ts';
export { parseIptablesSave, CounterParseError } from './iptables-save.ts';
export { parseNftJson } from './nft-json.ts';
export { diffSnapshots } from './diff.ts';
export { attribute } from './attribution.ts';
export type { Attribution, AttributionContext, DecisionKind, StageAttribution } from './attribution.ts';
export { learnMarks } from './marks.ts';
export type { CalicoMarks } from './marks.ts';
export { calicoChainName, chainRole } from './chains.ts';
export type { ChainRole } from './chains.ts';
export { workloadInterfaceName } from './interface-name.ts';
export { chainJumps, chainsReachableFrom, endpointChain, endpointChainName, endpointTiers, podProgrammed, policyChainsOf } from './endpoint-chains.ts';
export type { EndpointDirection } from './endpoint-chains.ts';
export { chainReadCommand, onlyChains, parseChainRead, parseTableRead, tableReadCommand, withChains } from './counter-reads.ts';
export { provenDrop, watchedChains } from './drop-proof.ts';
export { NodeCounterReader } from './reader.ts';
export type { CounterExec, CounterExecResult, NodeCounterReaderOptions, ReaderStats } from './reader.ts';
export {
  policyChainName,
  profileChainName,
  policyId,
  lengthLimitedId,
  schemeForVersion,
  resolvePolicyChains,
  felixPolicyName,
  policyChainComment,
  POLICY_ID_SCHEMES,
  KNP_NAME_PREFIX,
  MAX_CHAIN_NAME_LENGTH,
} from './policy-chains.ts';
export type { PolicyChainResolution, PolicyDirection, PolicyIdScheme, PolicyKind, PolicyRef } from './policy-chains.ts';
export { ipSetFamily, ipSetReadCommand, parseIpSets, selectorSetsOf } from './ip-sets.ts';
export type { IpSets } from './ip-sets.ts';
