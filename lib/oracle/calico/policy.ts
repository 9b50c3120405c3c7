// Calico NetworkPolicy and GlobalNetworkPolicy in the oracle's compiled form. Selectors are
// combined exactly as libcalico-go turns a v3 policy into what felix evaluates
// (libcalico-go/lib/backend/syncersv1/updateprocessors):
// - networkpolicyprocessor.go: `(selector) && projectcalico.org/namespace == '<ns>'`, then the
//   serviceAccountSelector with its labels prefixed "pcsa.";
// - globalnetworkpolicyprocessor.go: the namespaceSelector prefixed "pcns." (all() there means
//   "any namespace": has(projectcalico.org/namespace)), then the serviceAccountSelector prefixed
//   "pcsa." (all() there: has(projectcalico.org/serviceaccount));
// - rules.go getEndpointSelector for a rule's source and destination (see entitySelector).
import type { CalicoEntityRule, CalicoPolicy, CalicoPort, CalicoProtocol, CalicoRule } from '../../model/calico.ts';
import { isGlobalKind } from '../../model/calico.ts';
import { cidrContainsIp, parseCidr, type Cidr } from '../cidr.ts';
import { endpointMemo, type CompiledPolicy, type CompiledRule, type FlowContext } from '../compiled.ts';
import type { ResolvedEndpoint } from '../endpoint.ts';
import { NAMESPACE_LABEL, NAMESPACE_PREFIX, SERVICE_ACCOUNT_LABEL, SERVICE_ACCOUNT_PREFIX } from './endpoint-labels.ts';
import { mapSelector, parseSelector, prefixLabels, selectorMatches, type SelectorNode } from './selector.ts';

export function calicoPolicyId(policy: Pick<CalicoPolicy, 'kind' | 'metadata'>): string {
  return isGlobalKind(policy.kind) ? `gnp:${policy.metadata.name}` : `np:${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
}

export function calicoPolicyLabel(policy: Pick<CalicoPolicy, 'kind' | 'metadata'>): string {
  return isGlobalKind(policy.kind) ? `GlobalNetworkPolicy ${policy.metadata.name}` : `Calico NetworkPolicy ${policy.metadata.namespace ?? ''}/${policy.metadata.name}`;
}

const and = (operands: (SelectorNode | undefined)[]): SelectorNode | undefined => {
  const present = operands.filter((o): o is SelectorNode => o !== undefined);
  return present.length === 0 ? undefined : present.length === 1 ? present[0] : { op: 'and', operands: present };
};
const parse = (text: string | undefined): SelectorNode | undefined => (text === undefined || text.trim() === '' ? undefined : parseSelector(text).root);
const replaceAll = (node: SelectorNode, by: SelectorNode): SelectorNode => mapSelector(node, (n) => (n.op === 'all' ? by : undefined));
const has = (key: string): SelectorNode => ({ op: 'has', key });

/** The selector of the endpoints a policy applies to, as felix receives it. */
export function policyEndpointSelector(policy: CalicoPolicy): SelectorNode {
  const { spec } = policy;
  let selector = parse(spec.selector);
  if (isGlobalKind(policy.kind)) {
    const namespaces = parse(spec.namespaceSelector);
    if (namespaces) selector = replaceAll(and([selector, prefixLabels(namespaces, NAMESPACE_PREFIX)])!, has(NAMESPACE_LABEL));
    const accounts = parse(spec.serviceAccountSelector);
    if (accounts) selector = replaceAll(and([selector, prefixLabels(accounts, SERVICE_ACCOUNT_PREFIX)])!, has(SERVICE_ACCOUNT_LABEL));
  } else {
    selector = and([selector, { op: '==', key: NAMESPACE_LABEL, value: policy.metadata.namespace ?? '' }]);
    const accounts = parse(spec.serviceAccountSelector);
    if (accounts) selector = and([selector, prefixLabels(accounts, SERVICE_ACCOUNT_PREFIX)]);
  }
  return selector ?? { op: 'all' };
}

/**
 * rules.go getEndpointSelector: the rule's selector and service-account match, limited to the
 * policy's namespace (or to the namespaceSelector's namespaces) as soon as any selector field is
 * used, notSelector included. Undefined when the rule selects by no label at all.
 */
export function entitySelector(entity: CalicoEntityRule, policyNamespace: string | undefined): SelectorNode | undefined {
  const given = (text: string | undefined): boolean => text !== undefined && text !== '';
  let namespaces: SelectorNode | undefined;
  const namespaceSelector = parse(entity.namespaceSelector);
  if (given(entity.namespaceSelector)) {
    // all() means every namespace; global() means no namespace (host endpoints, global sets).
    namespaces = mapSelector(prefixLabels(namespaceSelector ?? { op: 'all' }, NAMESPACE_PREFIX), (n) =>
      n.op === 'all' ? has(NAMESPACE_LABEL) : n.op === 'global' ? { op: 'not', operand: has(NAMESPACE_LABEL) } : undefined,
    );
  } else if (policyNamespace !== undefined) {
    namespaces = { op: '==', key: NAMESPACE_LABEL, value: policyNamespace };
  }
  const accounts = entity.serviceAccounts ? serviceAccountSelector(entity.serviceAccounts) : undefined;
  const selector = and([accounts, parse(entity.selector)]);
  const limited = selector !== undefined || given(entity.notSelector) || given(entity.namespaceSelector);
  return namespaces && limited ? and([namespaces, selector]) : selector;
}

/** rules.go parseServiceAccounts: the selector prefixed "pcsa.", AND the names. */
function serviceAccountSelector(match: NonNullable<CalicoEntityRule['serviceAccounts']>): SelectorNode | undefined {
  const selector = parse(match.selector);
  const names: SelectorNode | undefined =
    match.names && match.names.length > 0 ? { op: 'in', key: SERVICE_ACCOUNT_LABEL, values: [...new Set(match.names)].sort() } : undefined;
  return and([selector ? prefixLabels(selector, SERVICE_ACCOUNT_PREFIX) : undefined, names]);
}

export function compileCalicoPolicy(policy: CalicoPolicy, endpointCount: number): CompiledPolicy {
  const global = isGlobalKind(policy.kind);
  const namespace = global ? undefined : policy.metadata.namespace;
  const selector = policyEndpointSelector(policy);
  const types = policy.spec.types ?? [];
  // Felix treats a policy without types as applying both ways (policy_sorter.go
  // ExtractPolicyMetadata); the validator fills types in as Calico's client does.
  const both = types.length === 0;
  return {
    id: calicoPolicyId(policy),
    label: calicoPolicyLabel(policy),
    kind: global ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
    name: policy.metadata.name,
    ...(namespace !== undefined ? { namespace } : {}),
    tier: policy.spec.tier ?? 'default',
    order: policy.spec.order ?? Number.POSITIVE_INFINITY,
    applies: { ingress: both || types.includes('Ingress'), egress: both || types.includes('Egress') },
    selects: endpointMemo(endpointCount, (endpoint) => endpoint.kind === 'pod' && selectorMatches(selector, endpoint.calicoLabels)),
    rules: {
      ingress: (policy.spec.ingress ?? []).map((rule, index) => compileRule(rule, index, namespace, endpointCount)),
      egress: (policy.spec.egress ?? []).map((rule, index) => compileRule(rule, index, namespace, endpointCount)),
    },
  };
}

const PROTOCOL_NUMBERS: Record<string, number> = { TCP: 6, UDP: 17, ICMP: 1, ICMPv6: 58, SCTP: 132, UDPLite: 136 };

function protocolNumber(protocol: CalicoProtocol): number {
  return typeof protocol === 'number' ? protocol : PROTOCOL_NUMBERS[protocol]!;
}

function flowProtocolNumber(flow: FlowContext): number {
  return flow.protocol === 'ICMP' ? (flow.family === 6 ? 58 : 1) : PROTOCOL_NUMBERS[flow.protocol]!;
}

/**
 * Every field the rule sets must match (felix/rules/rule_defs.go and policy.go render them as one
 * iptables rule): protocol, ICMP type/code, IP version, and both entity rules.
 */
function compileRule(rule: CalicoRule, index: number, policyNamespace: string | undefined, endpointCount: number): CompiledRule {
  const protocol = rule.protocol === undefined ? undefined : protocolNumber(rule.protocol);
  const notProtocol = rule.notProtocol === undefined ? undefined : protocolNumber(rule.notProtocol);
  const source = compileEntity(rule.source ?? {}, policyNamespace, endpointCount);
  const destination = compileEntity(rule.destination ?? {}, policyNamespace, endpointCount);
  const destinationPorts = rule.destination?.ports;
  const destinationNotPorts = rule.destination?.notPorts;
  return {
    index,
    action: rule.action,
    matches(flow) {
      const number = flowProtocolNumber(flow);
      if (protocol !== undefined && number !== protocol) return false;
      if (notProtocol !== undefined && number === notProtocol) return false;
      if (rule.ipVersion !== undefined && rule.ipVersion !== flow.family) return false;
      if (rule.icmp && !icmpMatches(rule.icmp, flow)) return false;
      if (rule.notICMP && icmpMatches(rule.notICMP, flow)) return false;
      if (!source(flow.source) || !destination(flow.destination)) return false;
      if (destinationPorts && !portsMatch(destinationPorts, rule.protocol, flow)) return false;
      if (destinationNotPorts && (flow.port === undefined || portsMatch(destinationNotPorts, rule.protocol, flow))) return false;
      return true;
    },
  };
}

function icmpMatches(match: { type?: number; code?: number }, flow: FlowContext): boolean {
  if (flow.protocol !== 'ICMP') return false;
  return (match.type === undefined || match.type === flow.icmpType) && (match.code === undefined || match.code === flow.icmpCode);
}

/** Numbers, "first:last" ranges, or a named port of the destination pod with the flow's protocol. */
function portsMatch(ports: CalicoPort[], ruleProtocol: CalicoProtocol | undefined, flow: FlowContext): boolean {
  const port = flow.port;
  if (port === undefined) return false;
  return ports.some((entry) => {
    if (typeof entry === 'number') return entry === port;
    const range = /^(\d+):(\d+)$/.exec(entry);
    if (range) return port >= Number(range[1]) && port <= Number(range[2]);
    // A named port is an IP set of (address, protocol, port) of the endpoints that declare it
    // (felix/calc/rule_scanner.go namedPortsToIPSets); without a rule protocol, any protocol.
    if (flow.destination.kind !== 'pod' || flow.protocol === 'ICMP') return false;
    const protocol = flow.protocol;
    return flow.destination.pod.ports.some(
      (p) => p.name === entry && p.port === port && p.protocol === protocol && (ruleProtocol === undefined || protocolNumber(ruleProtocol) === PROTOCOL_NUMBERS[protocol]),
    );
  });
}

/** The label and address part of an entity rule, judged once per endpoint. */
function compileEntity(entity: CalicoEntityRule, policyNamespace: string | undefined, endpointCount: number): (endpoint: ResolvedEndpoint) => boolean {
  const selector = entitySelector(entity, policyNamespace);
  const notSelector = parse(entity.notSelector);
  const nets = entity.nets?.map(netOf);
  const notNets = entity.notNets?.map(netOf);
  if (!selector && !notSelector && !nets && !notNets) return () => true;
  return endpointMemo(endpointCount, (endpoint) => {
    // Selectors become IP sets of the matching workloads: a host outside the cluster is in none.
    if (selector && (endpoint.kind !== 'pod' || !selectorMatches(selector, endpoint.calicoLabels))) return false;
    if (notSelector && endpoint.kind === 'pod' && selectorMatches(notSelector, endpoint.calicoLabels)) return false;
    const address = endpoint.address;
    if (nets && !(address && nets.some((net) => cidrContainsIp(net, address)))) return false;
    if (notNets && address && notNets.some((net) => cidrContainsIp(net, address))) return false;
    return true;
  });
}

function netOf(text: string): Cidr {
  // Validation accepted it; a bare address is a /32 or /128 (cnet.ParseCIDROrIP).
  return parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`)!;
}
