// The oracle's public surface: Kubernetes NetworkPolicies and Calico's own policies together.
export type { Direction, Endpoint, Flow, FlowProtocol, RuleRef, SideDecision, SideVerdict, Verdict } from './types.ts';
export { evaluate, Oracle, sideAllows } from './evaluate.ts';
export { selectorMatches } from './selector.ts';
export { EndpointTable } from './endpoint.ts';
export type { ResolvedEndpoint } from './endpoint.ts';
export { PolicySet, DEFAULT_TIER, compareTiers, comparePolicies } from './policy-set.ts';
export type { Applying, ApplyingTier, TierInfo } from './policy-set.ts';
export type { CompiledPolicy } from './compiled.ts';
export { calicoPolicyId, calicoPolicyLabel, policyEndpointSelector, entitySelector } from './calico/policy.ts';
export { parseSelector, selectorText, selectorMatches as calicoSelectorMatches, mapSelector, prefixLabels, SelectorSyntaxError } from './calico/selector.ts';
export type { CalicoSelector, SelectorNode } from './calico/selector.ts';
export { parseIp, parseCidr, cidrContainsIp, cidrContainsCidr, ipFamilyOf, addressOfFamily } from './cidr.ts';
export type { Cidr, IpAddress, IpVersion } from './cidr.ts';
export { effectivePolicyTypes, policySelectsPod, policyId } from './policy.ts';
export type { Mark, TruthTable } from './truth-table.ts';
export {
  buildTruthTable,
  cellOf,
  renderTruthTable,
  connectivityMark,
  verdictMark,
  endpointName,
  endpointOf,
  modelEndpointNames,
  expectedTruthTable,
} from './truth-table.ts';
