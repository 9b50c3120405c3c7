// networking.k8s.io/v1 NetworkPolicy validation, following Kubernetes'
// pkg/apis/networking/validation (ValidateNetworkPolicy / ValidateNetworkPolicySpec), plus strict
// unknown-field rejection. Returns the policy as typed data; does not add API defaults.
import type {
  IPBlock,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
  PolicyType,
  PortProtocol,
} from '../model/types.ts';
import { excerpt } from '../errors.ts';
import { cidrContainsCidr, parseCidr } from '../oracle/cidr.ts';
import { isAbsent, readInteger, readList, readObject, readString, readStringMap, required } from './fields.ts';
import { readLabelSelector, readLabels } from './labels.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, portNameProblem, portNumberProblem, qualifiedNameProblem } from './kubernetes-names.ts';
import { Location } from './location.ts';

export const PORT_PROTOCOLS: readonly PortProtocol[] = ['TCP', 'UDP', 'SCTP'];
const POLICY_TYPES: readonly PolicyType[] = ['Ingress', 'Egress'];

export interface NetworkPolicyOptions {
  /** Used when metadata.namespace is absent (as `kubectl apply -n` would); otherwise it is required. */
  defaultNamespace?: string;
}

/**
 * Validates one NetworkPolicy object. `at` is where it sits: a Location (file + path) or a plain
 * path string such as "recipes/deny-all.yaml: policies[0]". Throws an InputError naming the
 * offending path on the first problem.
 */
export function validateNetworkPolicy(value: unknown, at: Location | string, options: NetworkPolicyOptions = {}): NetworkPolicy {
  const here = Location.of(at);
  const object = readObject(value, here, ['apiVersion', 'kind', 'metadata', 'spec']);
  const apiVersion = readString(required(object, 'apiVersion', here), here.key('apiVersion'));
  if (apiVersion !== 'networking.k8s.io/v1') here.key('apiVersion').fail(`must be "networking.k8s.io/v1", got ${excerpt(apiVersion)}`);
  const kind = readString(required(object, 'kind', here), here.key('kind'));
  if (kind !== 'NetworkPolicy') here.key('kind').fail(`must be "NetworkPolicy", got ${excerpt(kind)}`);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: readMetadata(required(object, 'metadata', here), here.key('metadata'), options),
    spec: readSpec(required(object, 'spec', here), here.key('spec')),
  };
}

function readMetadata(value: unknown, at: Location, options: NetworkPolicyOptions): NetworkPolicy['metadata'] {
  const object = readObject(value, at, ['name', 'namespace', 'labels', 'annotations']);
  const name = readString(required(object, 'name', at), at.key('name'));
  const nameProblem = dns1123SubdomainProblem(name);
  if (nameProblem) at.key('name').fail(`invalid name ${excerpt(name)}: ${nameProblem}`);
  const namespace = isAbsent(object.namespace)
    ? (options.defaultNamespace ?? at.key('namespace').fail('required value'))
    : readString(object.namespace, at.key('namespace'));
  const namespaceProblem = dns1123LabelProblem(namespace);
  if (namespaceProblem) at.key('namespace').fail(`invalid namespace ${excerpt(namespace)}: ${namespaceProblem}`);
  const metadata: NetworkPolicy['metadata'] = { name, namespace };
  if (!isAbsent(object.labels)) metadata.labels = readLabels(object.labels, at.key('labels'));
  if (!isAbsent(object.annotations)) {
    metadata.annotations = readStringMap(object.annotations, at.key('annotations'));
    for (const key of Object.keys(metadata.annotations)) {
      const problem = qualifiedNameProblem(key);
      if (problem) at.key('annotations').key(key).fail(`invalid annotation key: ${problem}`);
    }
  }
  return metadata;
}

function readSpec(value: unknown, at: Location): NetworkPolicySpec {
  const object = readObject(value, at, ['podSelector', 'policyTypes', 'ingress', 'egress']);
  // podSelector is a non-pointer struct in the API: omitting it means {} (all pods).
  const spec: NetworkPolicySpec = {
    podSelector: isAbsent(object.podSelector) ? {} : readLabelSelector(object.podSelector, at.key('podSelector')),
  };
  if (!isAbsent(object.ingress)) {
    const list = at.key('ingress');
    spec.ingress = readList(object.ingress, list).map((rule, i) => readIngressRule(rule, list.index(i)));
  }
  if (!isAbsent(object.egress)) {
    const list = at.key('egress');
    spec.egress = readList(object.egress, list).map((rule, i) => readEgressRule(rule, list.index(i)));
  }
  if (!isAbsent(object.policyTypes)) spec.policyTypes = readPolicyTypes(object.policyTypes, at.key('policyTypes'));
  return spec;
}

function readPolicyTypes(value: unknown, at: Location): PolicyType[] {
  const list = readList(value, at);
  if (list.length > POLICY_TYPES.length) at.fail('may not specify more than two policyTypes');
  return list.map((entry, i) => {
    const type = readString(entry, at.index(i));
    if (!(POLICY_TYPES as readonly string[]).includes(type)) {
      at.index(i).fail(`unsupported value ${excerpt(type)}: supported values: "Ingress", "Egress"`);
    }
    return type as PolicyType;
  });
}

function readIngressRule(value: unknown, at: Location): NetworkPolicyIngressRule {
  const object = readObject(value, at, ['ports', 'from']);
  const rule: NetworkPolicyIngressRule = {};
  if (!isAbsent(object.ports)) rule.ports = readPorts(object.ports, at.key('ports'));
  if (!isAbsent(object.from)) rule.from = readPeers(object.from, at.key('from'));
  return rule;
}

function readEgressRule(value: unknown, at: Location): NetworkPolicyEgressRule {
  const object = readObject(value, at, ['ports', 'to']);
  const rule: NetworkPolicyEgressRule = {};
  if (!isAbsent(object.ports)) rule.ports = readPorts(object.ports, at.key('ports'));
  if (!isAbsent(object.to)) rule.to = readPeers(object.to, at.key('to'));
  return rule;
}

function readPorts(value: unknown, at: Location): NetworkPolicyPort[] {
  return readList(value, at).map((entry, i) => readPort(entry, at.index(i)));
}

function readPort(value: unknown, at: Location): NetworkPolicyPort {
  const object = readObject(value, at, ['protocol', 'port', 'endPort']);
  const port: NetworkPolicyPort = {};
  if (!isAbsent(object.protocol)) port.protocol = readProtocol(object.protocol, at.key('protocol'));
  if (!isAbsent(object.port)) {
    const portAt = at.key('port');
    if (typeof object.port === 'string') {
      const problem = portNameProblem(object.port);
      if (problem) portAt.fail(`invalid named port ${excerpt(object.port)}: ${problem}`);
      port.port = object.port;
    } else {
      port.port = readInteger(object.port, portAt);
      const problem = portNumberProblem(port.port);
      if (problem) portAt.fail(`invalid port ${port.port}: ${problem}`);
    }
  }
  if (!isAbsent(object.endPort)) {
    const endAt = at.key('endPort');
    const endPort = readInteger(object.endPort, endAt);
    if (port.port === undefined) throw endAt.error('may not be specified when `port` is not specified');
    if (typeof port.port === 'string') throw endAt.error('may not be specified when `port` is non-numeric');
    const problem = portNumberProblem(endPort);
    if (problem) endAt.fail(`invalid endPort ${endPort}: ${problem}`);
    if (endPort < port.port) endAt.fail(`must be greater than or equal to \`port\` (${port.port})`);
    port.endPort = endPort;
  }
  return port;
}

export function readProtocol(value: unknown, at: Location): PortProtocol {
  const protocol = readString(value, at);
  if (!(PORT_PROTOCOLS as readonly string[]).includes(protocol)) {
    at.fail(`unsupported value ${excerpt(protocol)}: supported values: "TCP", "UDP", "SCTP"`);
  }
  return protocol as PortProtocol;
}

function readPeers(value: unknown, at: Location): NetworkPolicyPeer[] {
  return readList(value, at).map((entry, i) => readPeer(entry, at.index(i)));
}

function readPeer(value: unknown, at: Location): NetworkPolicyPeer {
  const object = readObject(value, at, ['podSelector', 'namespaceSelector', 'ipBlock']);
  const peer: NetworkPolicyPeer = {};
  if (!isAbsent(object.ipBlock)) {
    const other = ['podSelector', 'namespaceSelector'].find((key) => !isAbsent(object[key]));
    if (other) at.fail(`ipBlock cannot be combined with ${other}`);
    peer.ipBlock = readIpBlock(object.ipBlock, at.key('ipBlock'));
    return peer;
  }
  if (!isAbsent(object.podSelector)) peer.podSelector = readLabelSelector(object.podSelector, at.key('podSelector'));
  if (!isAbsent(object.namespaceSelector)) {
    peer.namespaceSelector = readLabelSelector(object.namespaceSelector, at.key('namespaceSelector'));
  }
  if (!peer.podSelector && !peer.namespaceSelector) at.fail('must specify a peer: podSelector, namespaceSelector or ipBlock');
  return peer;
}

function readIpBlock(value: unknown, at: Location): IPBlock {
  const object = readObject(value, at, ['cidr', 'except']);
  const text = readString(required(object, 'cidr', at), at.key('cidr'));
  const cidr = parseCidr(text);
  if (!cidr) throw at.key('cidr').error(`${excerpt(text)} is not a valid CIDR (e.g. "10.0.0.0/16" or "2001:db8::/64")`);
  const block: IPBlock = { cidr: text };
  if (!isAbsent(object.except)) {
    const list = at.key('except');
    block.except = readList(object.except, list).map((entry, i) => {
      const exceptText = readString(entry, list.index(i));
      const except = parseCidr(exceptText);
      if (!except) throw list.index(i).error(`${excerpt(exceptText)} is not a valid CIDR`);
      if (!cidrContainsCidr(cidr, except) || except.prefix <= cidr.prefix) {
        list.index(i).fail(`${excerpt(exceptText)} must be a strict subset of cidr ${excerpt(text)}`);
      }
      return exceptText;
    });
  }
  return block;
}
