// projectcalico.org/v3 Tier, NetworkPolicy, GlobalNetworkPolicy and their staged forms, validated
// as Calico's API does it (libcalico-go/lib/validator/v3/validator.go: validateTier,
// validateNetworkPolicy(Spec), validateGlobalNetworkPolicy(Spec), validateRule,
// validateEntityRule, validateICMPFields) and defaulted as Calico's client defaults them
// (api/pkg/defaults/networkpolicy.go: `types` from the rules present, the projectcalico.org/tier
// label). Strict fields, like the Kubernetes validator beside it. Fields the oracle cannot model
// (HTTP matches, services, source ports, host-endpoint flags) are rejected with that reason.
import { excerpt } from '../errors.ts';
import type {
  CalicoAction,
  CalicoApiVersion,
  CalicoEntityRule,
  CalicoIcmpMatch,
  CalicoPolicy,
  CalicoPolicyKind,
  CalicoPolicySpec,
  CalicoPolicyType,
  CalicoPort,
  CalicoProtocol,
  CalicoResource,
  CalicoRule,
  CalicoTier,
} from '../model/calico.ts';
import { isGlobalKind, isStagedKind } from '../model/calico.ts';
import { parseCidr } from '../oracle/cidr.ts';
import { parseSelector, SelectorSyntaxError, type CalicoSelector } from '../oracle/calico/selector.ts';
import { isAbsent, readInteger, readList, readObject, readString, readStringMap, required } from './fields.ts';
import { readLabels } from './labels.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, portNameProblem, qualifiedNameProblem } from './kubernetes-names.ts';
import type { Location } from './location.ts';

export const CALICO_API_VERSIONS: readonly CalicoApiVersion[] = ['projectcalico.org/v3', 'crd.projectcalico.org/v1'];
const POLICY_KINDS: readonly CalicoPolicyKind[] = ['NetworkPolicy', 'GlobalNetworkPolicy', 'StagedNetworkPolicy', 'StagedGlobalNetworkPolicy'];
const ACTIONS: readonly CalicoAction[] = ['Allow', 'Deny', 'Pass', 'Log'];
const PROTOCOL_NAMES = ['TCP', 'UDP', 'ICMP', 'ICMPv6', 'SCTP', 'UDPLite'] as const;
const PORT_PROTOCOLS = ['TCP', 'UDP', 'SCTP', 6, 17, 132];

/** The label Calico's defaulting puts on every policy (v3.LabelTier). */
export const TIER_LABEL = 'projectcalico.org/tier';

/** Tiers felix always has: "default" (where Kubernetes NetworkPolicies live) and the admin tiers. */
export const BUILT_IN_TIERS = ['default', 'adminnetworkpolicy', 'baselineadminnetworkpolicy', 'kube-admin', 'kube-baseline'] as const;

/** api/pkg/apis/projectcalico/v3 DefaultTierOrder. */
export const DEFAULT_TIER_ORDER = 1_000_000;

/** One Calico resource (after `apiVersion` was found to be a Calico group). */
export function validateCalicoResource(value: unknown, at: Location, apiVersion: CalicoApiVersion): CalicoResource {
  const object = readObject(value, at, ['apiVersion', 'kind', 'metadata', 'spec']);
  const kind = readString(required(object, 'kind', at), at.key('kind'));
  if (kind === 'Tier') return readTier(object, at, apiVersion);
  if (!(POLICY_KINDS as readonly string[]).includes(kind)) {
    at.key('kind').fail(`must be one of Tier, ${POLICY_KINDS.join(', ')} for ${apiVersion}, got ${excerpt(kind)}`);
  }
  return readPolicy(object, at, apiVersion, kind as CalicoPolicyKind);
}

function readTier(object: Record<string, unknown>, at: Location, apiVersion: CalicoApiVersion): CalicoTier {
  const metadataAt = at.key('metadata');
  const metadata = readObject(required(object, 'metadata', at), metadataAt, ['name', 'labels', 'annotations']);
  const name = readString(required(metadata, 'name', metadataAt), metadataAt.key('name'));
  // Tiers must have simple (no dot) names: they appear inside policy names.
  const problem = dns1123LabelProblem(name);
  if (problem) metadataAt.key('name').fail(`invalid tier name ${excerpt(name)}: ${problem}`);
  const tier: CalicoTier = { apiVersion, kind: 'Tier', metadata: { name, ...readLabelsAndAnnotations(metadata, metadataAt) }, spec: {} };
  const specAt = at.key('spec');
  const spec = isAbsent(object.spec) ? {} : readObject(object.spec, specAt, ['order', 'defaultAction']);
  if (!isAbsent(spec.order)) tier.spec.order = readOrder(spec.order, specAt.key('order'));
  if (!isAbsent(spec.defaultAction)) {
    const action = readString(spec.defaultAction, specAt.key('defaultAction'));
    if (action !== 'Deny' && action !== 'Pass') specAt.key('defaultAction').fail(`must be "Deny" or "Pass", got ${excerpt(action)}`);
    tier.spec.defaultAction = action as 'Deny' | 'Pass';
  }
  if (name === 'default' && tier.spec.order !== DEFAULT_TIER_ORDER) {
    specAt.key('order').fail(`default tier order must be ${DEFAULT_TIER_ORDER}`);
  }
  return tier;
}

function readPolicy(object: Record<string, unknown>, at: Location, apiVersion: CalicoApiVersion, kind: CalicoPolicyKind): CalicoPolicy {
  const global = isGlobalKind(kind);
  const staged = isStagedKind(kind);
  const metadataAt = at.key('metadata');
  const metadata = readObject(required(object, 'metadata', at), metadataAt, ['name', 'namespace', 'labels', 'annotations']);
  const name = readString(required(metadata, 'name', metadataAt), metadataAt.key('name'));
  // validator.go networkPolicyNameRegex / globalNetworkPolicyNameRegex: "<label>" or "<tier>.<label>".
  if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253) {
    metadataAt.key('name').fail(`invalid name ${excerpt(name)}: must be a lowercase RFC 1123 label, optionally prefixed with its tier and a dot ("<tier>.<name>")`);
  }
  const policy: CalicoPolicy = { apiVersion, kind, metadata: { name }, spec: {} };
  if (global) {
    if (!isAbsent(metadata.namespace)) metadataAt.key('namespace').fail(`a ${kind} is cluster-wide and has no namespace`);
  } else {
    const namespace = readString(required(metadata, 'namespace', metadataAt), metadataAt.key('namespace'));
    const problem = dns1123LabelProblem(namespace);
    if (problem) metadataAt.key('namespace').fail(`invalid namespace ${excerpt(namespace)}: ${problem}`);
    policy.metadata.namespace = namespace;
  }
  Object.assign(policy.metadata, readLabelsAndAnnotations(metadata, metadataAt));
  policy.spec = readPolicySpec(required(object, 'spec', at), at.key('spec'), { global, staged });

  // Calico's client requires "<tier>." in front of a policy of any other tier than default
  // (libcalico-go names.ValidateTieredPolicyName, v3.31); v3.32 no longer does, so a name in that
  // form works on both.
  const tier = policy.spec.tier ?? 'default';
  const dot = name.indexOf('.');
  if (dot !== -1 && name.slice(0, dot) !== tier) {
    metadataAt.key('name').fail(`the part before the dot must be the policy's tier ${excerpt(tier)}, got ${excerpt(name.slice(0, dot))}`);
  }
  if (dot === -1 && tier !== 'default') {
    metadataAt.key('name').fail(`a policy of tier ${excerpt(tier)} must be named "${tier}.<name>" (Calico v3.31 requires it)`);
  }
  policy.metadata.labels = { ...policy.metadata.labels, [TIER_LABEL]: tier };
  return policy;
}

function readLabelsAndAnnotations(metadata: Record<string, unknown>, at: Location): { labels?: Record<string, string>; annotations?: Record<string, string> } {
  const out: { labels?: Record<string, string>; annotations?: Record<string, string> } = {};
  if (!isAbsent(metadata.labels)) out.labels = readLabels(metadata.labels, at.key('labels'));
  if (!isAbsent(metadata.annotations)) {
    out.annotations = readStringMap(metadata.annotations, at.key('annotations'));
    for (const key of Object.keys(out.annotations)) {
      const problem = qualifiedNameProblem(key);
      if (problem) at.key('annotations').key(key).fail(`invalid annotation key: ${problem}`);
    }
  }
  return out;
}

const UNSUPPORTED_SPEC_FIELDS: Record<string, string> = {
  doNotTrack: 'host endpoint policy (doNotTrack)',
  preDNAT: 'host endpoint policy (preDNAT)',
  applyOnForward: 'host endpoint policy (applyOnForward)',
};

function readPolicySpec(value: unknown, at: Location, kind: { global: boolean; staged: boolean }): CalicoPolicySpec {
  const allowed = [
    'tier',
    'order',
    'selector',
    'serviceAccountSelector',
    'types',
    'ingress',
    'egress',
    'performanceHints',
    ...(kind.global ? ['namespaceSelector', ...Object.keys(UNSUPPORTED_SPEC_FIELDS)] : []),
    ...(kind.staged ? ['stagedAction'] : []),
  ];
  const object = readObject(value, at, allowed);
  for (const [field, what] of Object.entries(UNSUPPORTED_SPEC_FIELDS)) {
    if (!isAbsent(object[field]) && object[field] !== false) at.key(field).fail(`${what} is not supported: the harness probes pods, not host endpoints`);
  }
  const spec: CalicoPolicySpec = {};
  if (!isAbsent(object.tier)) {
    const tier = readString(object.tier, at.key('tier'));
    const problem = dns1123LabelProblem(tier);
    if (problem) at.key('tier').fail(`invalid tier name ${excerpt(tier)}: ${problem}`);
    spec.tier = tier;
  }
  if (!isAbsent(object.order)) spec.order = readOrder(object.order, at.key('order'));
  // global() is only meaningful in a rule's namespaceSelector (validator.go globalSelectorEntRule).
  if (!isAbsent(object.selector)) spec.selector = readSelectorText(object.selector, at.key('selector'), { global: false });
  if (!isAbsent(object.namespaceSelector)) spec.namespaceSelector = readSelectorText(object.namespaceSelector, at.key('namespaceSelector'), { global: false });
  if (!isAbsent(object.serviceAccountSelector)) {
    spec.serviceAccountSelector = readSelectorText(object.serviceAccountSelector, at.key('serviceAccountSelector'), { global: false });
  }
  if (!isAbsent(object.ingress)) spec.ingress = readRules(object.ingress, at.key('ingress'));
  if (!isAbsent(object.egress)) spec.egress = readRules(object.egress, at.key('egress'));
  spec.types = isAbsent(object.types) ? defaultTypes(spec) : readTypes(object.types, at.key('types'));
  if (!isAbsent(object.performanceHints)) {
    spec.performanceHints = readList(object.performanceHints, at.key('performanceHints')).map((hint, i) => {
      const text = readString(hint, at.key('performanceHints').index(i));
      if (text !== 'AssumeNeededOnEveryNode') at.key('performanceHints').index(i).fail(`unsupported value ${excerpt(text)}: supported values: "AssumeNeededOnEveryNode"`);
      return text;
    });
  }
  if (!isAbsent(object.stagedAction)) {
    const action = readString(object.stagedAction, at.key('stagedAction'));
    if (action !== 'Set' && action !== 'Delete') at.key('stagedAction').fail(`must be "Set" or "Delete", got ${excerpt(action)}`);
    spec.stagedAction = action as 'Set' | 'Delete';
  }
  return spec;
}

/** api/pkg/defaults/networkpolicy.go defaultPolicyTypesField. Felix itself treats no types as both. */
function defaultTypes(spec: CalicoPolicySpec): CalicoPolicyType[] {
  if ((spec.egress ?? []).length === 0) return ['Ingress'];
  if ((spec.ingress ?? []).length === 0) return ['Egress'];
  return ['Ingress', 'Egress'];
}

function readTypes(value: unknown, at: Location): CalicoPolicyType[] {
  const seen = new Set<string>();
  return readList(value, at).map((entry, i) => {
    const type = readString(entry, at.index(i));
    if (type !== 'Ingress' && type !== 'Egress') at.index(i).fail(`unsupported value ${excerpt(type)}: supported values: "Ingress", "Egress"`);
    if (seen.has(type)) at.index(i).fail(`'${type}' type specified more than once`);
    seen.add(type);
    return type as CalicoPolicyType;
  });
}

function readOrder(value: unknown, at: Location): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) at.fail(`must be a number, got ${excerpt(value)}`);
  return value;
}

/** Parses the selector now so a typo is reported at its character; the text is kept as written. */
export function readSelectorText(value: unknown, at: Location, options: { global: boolean }): string {
  const text = readString(value, at);
  parseSelectorAt(text, at);
  if (!options.global && /global\(/.test(text)) at.fail('global() can only be used in a rule\'s namespaceSelector');
  return text;
}

export function parseSelectorAt(text: string, at: Location): CalicoSelector {
  try {
    return parseSelector(text);
  } catch (e) {
    if (e instanceof SelectorSyntaxError) at.fail(`invalid selector: ${e.message}`);
    throw e;
  }
}

function readRules(value: unknown, at: Location): CalicoRule[] {
  return readList(value, at).map((entry, i) => readRule(entry, at.index(i)));
}

const UNSUPPORTED_RULE_FIELDS: Record<string, string> = {
  http: 'HTTP matches need Calico\'s application layer (Envoy); the harness probes plain L3/L4',
};

function readRule(value: unknown, at: Location): CalicoRule {
  const object = readObject(value, at, ['action', 'protocol', 'notProtocol', 'ipVersion', 'icmp', 'notICMP', 'source', 'destination', 'metadata', 'http']);
  for (const [field, why] of Object.entries(UNSUPPORTED_RULE_FIELDS)) {
    if (!isAbsent(object[field])) at.key(field).fail(`not supported: ${why}`);
  }
  const action = readString(required(object, 'action', at), at.key('action'));
  if (!(ACTIONS as readonly string[]).includes(action)) at.key('action').fail(`unsupported value ${excerpt(action)}: supported values: ${ACTIONS.map((a) => excerpt(a)).join(', ')}`);
  const rule: CalicoRule = { action: action as CalicoAction };
  if (!isAbsent(object.protocol)) rule.protocol = readProtocol(object.protocol, at.key('protocol'));
  if (!isAbsent(object.notProtocol)) rule.notProtocol = readProtocol(object.notProtocol, at.key('notProtocol'));
  if (!isAbsent(object.ipVersion)) {
    const version = readInteger(object.ipVersion, at.key('ipVersion'));
    if (version !== 4 && version !== 6) at.key('ipVersion').fail(`must be 4 or 6, got ${version}`);
    rule.ipVersion = version as 4 | 6;
  }
  if (!isAbsent(object.icmp)) rule.icmp = readIcmp(object.icmp, at.key('icmp'));
  if (!isAbsent(object.notICMP)) rule.notICMP = readIcmp(object.notICMP, at.key('notICMP'));
  if ((rule.icmp || rule.notICMP) && rule.protocol !== 'ICMP' && rule.protocol !== 'ICMPv6' && rule.protocol !== 1 && rule.protocol !== 58) {
    at.key(rule.icmp ? 'icmp' : 'notICMP').fail('rules that specify ICMP fields must set protocol to ICMP');
  }
  for (const icmpProtocol of [rule.protocol, rule.notProtocol]) {
    if ((icmpProtocol === 'ICMP' || icmpProtocol === 1) && rule.ipVersion !== undefined && rule.ipVersion !== 4) at.key('ipVersion').fail("must set ipversion to '4' with protocol icmp");
    if ((icmpProtocol === 'ICMPv6' || icmpProtocol === 58) && rule.ipVersion !== undefined && rule.ipVersion !== 6) at.key('ipVersion').fail("must set ipversion to '6' with protocol icmpv6");
  }
  if (!isAbsent(object.source)) rule.source = readEntityRule(object.source, at.key('source'), rule, 'source');
  if (!isAbsent(object.destination)) rule.destination = readEntityRule(object.destination, at.key('destination'), rule, 'destination');
  checkNetFamilies(rule, at);
  if (!isAbsent(object.metadata)) {
    const metadata = readObject(object.metadata, at.key('metadata'), ['annotations']);
    rule.metadata = isAbsent(metadata.annotations) ? {} : { annotations: readStringMap(metadata.annotations, at.key('metadata').key('annotations')) };
  }
  return rule;
}

function readProtocol(value: unknown, at: Location): CalicoProtocol {
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 1 || value > 255) at.fail(`protocol number must be 1-255, got ${value}`);
    return value;
  }
  const text = readString(value, at);
  // numorstring.Protocol accepts names case-insensitively and prints the canonical spelling.
  const name = PROTOCOL_NAMES.find((p) => p.toLowerCase() === text.toLowerCase());
  if (!name) at.fail(`unsupported protocol ${excerpt(text)}: supported values: ${PROTOCOL_NAMES.join(', ')} or a number 1-255`);
  return name;
}

function readIcmp(value: unknown, at: Location): CalicoIcmpMatch {
  const object = readObject(value, at, ['type', 'code']);
  const icmp: CalicoIcmpMatch = {};
  // api/pkg/apis/projectcalico/v3 ICMPFields: type 0-254, code 0-255.
  if (!isAbsent(object.type)) {
    icmp.type = readInteger(object.type, at.key('type'));
    if (icmp.type < 0 || icmp.type > 254) at.key('type').fail(`must be 0-254, got ${icmp.type}`);
  }
  if (!isAbsent(object.code)) {
    icmp.code = readInteger(object.code, at.key('code'));
    if (icmp.code < 0 || icmp.code > 255) at.key('code').fail(`must be 0-255, got ${icmp.code}`);
    if (icmp.type === undefined) at.key('code').fail('ICMP code specified without an ICMP type');
  }
  return icmp;
}

function readEntityRule(value: unknown, at: Location, rule: CalicoRule, side: 'source' | 'destination'): CalicoEntityRule {
  const object = readObject(value, at, ['nets', 'notNets', 'selector', 'notSelector', 'namespaceSelector', 'ports', 'notPorts', 'serviceAccounts', 'services']);
  if (!isAbsent(object.services)) at.key('services').fail('not supported: service matches need the Service objects and their endpoints, which the harness does not model');
  const entity: CalicoEntityRule = {};
  for (const field of ['nets', 'notNets'] as const) {
    if (isAbsent(object[field])) continue;
    entity[field] = readList(object[field], at.key(field)).map((entry, i) => {
      const here: Location = at.key(field).index(i);
      const text = readString(entry, here);
      // Calico also takes a bare address (ParseCIDROrIP) as a /32 or /128.
      const cidr = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
      if (!cidr) here.fail(`${excerpt(text)} is not a valid CIDR`);
      if (field === 'notNets' && cidr.prefix === 0) here.fail('catch-all CIDR in negation creates logical contradiction (matches no traffic)');
      return text;
    });
  }
  if (!isAbsent(object.selector)) entity.selector = readSelectorText(object.selector, at.key('selector'), { global: false });
  if (!isAbsent(object.notSelector)) entity.notSelector = readSelectorText(object.notSelector, at.key('notSelector'), { global: false });
  if (!isAbsent(object.namespaceSelector)) {
    const text = readSelectorText(object.namespaceSelector, at.key('namespaceSelector'), { global: true });
    // validator.go validateEntityRule: global() must be the whole namespaceSelector.
    if (/global\(/.test(text) && parseSelectorAt(text, at).root.op !== 'global') {
      at.key('namespaceSelector').fail('global() cannot be combined with other selectors');
    }
    entity.namespaceSelector = text;
  }
  for (const field of ['ports', 'notPorts'] as const) {
    if (isAbsent(object[field])) continue;
    if (side === 'source') {
      at.key(field).fail("not supported: a probe's source port is chosen by the kernel, so no expectation can depend on it");
    }
    entity[field] = readPorts(object[field], at.key(field), rule);
  }
  if (!isAbsent(object.serviceAccounts)) {
    const accountsAt = at.key('serviceAccounts');
    const accounts = readObject(object.serviceAccounts, accountsAt, ['names', 'selector']);
    entity.serviceAccounts = {};
    if (!isAbsent(accounts.names)) {
      entity.serviceAccounts.names = readList(accounts.names, accountsAt.key('names')).map((entry, i) => {
        const name = readString(entry, accountsAt.key('names').index(i));
        const problem = dns1123SubdomainProblem(name);
        if (problem) accountsAt.key('names').index(i).fail(`invalid service account name ${excerpt(name)}: ${problem}`);
        return name;
      });
    }
    if (!isAbsent(accounts.selector)) entity.serviceAccounts.selector = readSelectorText(accounts.selector, accountsAt.key('selector'), { global: false });
  }
  return entity;
}

/** numorstring.Port: an integer, "a:b" range or a port name; numeric ports need a port protocol (validateRule). */
function readPorts(value: unknown, at: Location, rule: CalicoRule): CalicoPort[] {
  return readList(value, at).map((entry, i) => {
    const here = at.index(i);
    let port: CalicoPort;
    let numeric = true;
    if (typeof entry === 'number') {
      if (!Number.isInteger(entry) || entry < 0 || entry > 65535) here.fail(`port must be 0-65535, got ${entry}`);
      port = entry;
    } else {
      const text = readString(entry, here);
      const range = /^(\d+):(\d+)$/.exec(text);
      if (range) {
        const [first, last] = [Number(range[1]), Number(range[2])];
        if (first > 65535 || last > 65535 || first > last) here.fail(`invalid port range ${excerpt(text)}: need first <= last, both 0-65535`);
        port = text;
      } else if (/^\d+$/.test(text)) {
        if (Number(text) > 65535) here.fail(`port must be 0-65535, got ${text}`);
        port = Number(text);
      } else {
        const problem = portNameProblem(text);
        if (problem) here.fail(`invalid named port ${excerpt(text)}: ${problem}`);
        port = text;
        numeric = false;
      }
    }
    if (rule.protocol === undefined && numeric) here.fail('rules with numeric port or port range must set protocol to TCP or UDP or SCTP');
    if (rule.protocol !== undefined && !PORT_PROTOCOLS.includes(rule.protocol)) here.fail('rules that specify ports must set protocol to TCP or UDP or SCTP');
    return port;
  });
}

/** validateRule scanNets: one rule never mixes IPv4 and IPv6, and agrees with ipVersion. */
function checkNetFamilies(rule: CalicoRule, at: Location): void {
  const families = new Set<number>();
  for (const side of ['source', 'destination'] as const) {
    for (const field of ['nets', 'notNets'] as const) {
      for (const text of rule[side]?.[field] ?? []) {
        const family = text.includes(':') ? 6 : 4;
        if (rule.ipVersion !== undefined && rule.ipVersion !== family) at.key(side).key(field).fail("rule IP version doesn't match CIDR version");
        families.add(family);
        if (families.size > 1) at.key(side).key(field).fail('rule contains both IPv4 and IPv6 CIDRs');
      }
    }
  }
}
