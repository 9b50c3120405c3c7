// The NetworkPolicy oracle's public surface.
export type { Direction, Endpoint, Flow, FlowProtocol, RuleRef, SideVerdict, Verdict } from './types.ts';
export { evaluate } from './evaluate.ts';
export { selectorMatches } from './selector.ts';
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
