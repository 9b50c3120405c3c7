// The fixtures part of a scenario or recipe: namespaces, pods (with served ports) and external
// hosts, validated into a Model.
import type { ContainerPort, ExternalHost, Model, NamespaceSpec, PodSpec, ServiceAccountSpec } from '../model/types.ts';
import { excerpt } from '../errors.ts';
import { podString } from '../model/types.ts';
import { parseIp } from '../oracle/cidr.ts';
import { isAbsent, readInteger, readList, readObject, readString, required } from './fields.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, portNameProblem, portNumberProblem } from './kubernetes-names.ts';
import { readLabels } from './labels.ts';
import type { Location } from './location.ts';
import { readProtocol } from './network-policy.ts';

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/**
 * Reads `namespaces`, `serviceAccounts`, `pods` and `externals` from a mapping whose own keys the
 * caller has checked; `at` is that mapping's location. `serviceAccounts` and `externals` may be absent.
 */
export function parseModel(fields: { namespaces?: unknown; serviceAccounts?: unknown; pods?: unknown; externals?: unknown }, at: Location): Model {
  const namespaces = parseNamespaces(required(fields, 'namespaces', at), at.key('namespaces'));
  const serviceAccounts = isAbsent(fields.serviceAccounts) ? [] : parseServiceAccounts(fields.serviceAccounts, at.key('serviceAccounts'), namespaces);
  const pods = parsePods(required(fields, 'pods', at), at.key('pods'), namespaces, serviceAccounts);
  const externals = isAbsent(fields.externals) ? [] : parseExternals(fields.externals, at.key('externals'));
  checkUniqueIps(pods, externals, at);
  return { namespaces, pods, externals, ...(serviceAccounts.length > 0 ? { serviceAccounts } : {}) };
}

/** ServiceAccounts pods can run as; Calico policies select pods by their name and labels. */
export function parseServiceAccounts(value: unknown, at: Location, namespaces: NamespaceSpec[]): ServiceAccountSpec[] {
  const seen = new Set<string>();
  return readList(value, at).map((entry, i) => {
    const here = at.index(i);
    const object = readObject(entry, here, ['namespace', 'name', 'labels']);
    const namespace = readString(required(object, 'namespace', here), here.key('namespace'));
    if (!namespaces.some((ns) => ns.name === namespace)) {
      here.key('namespace').fail(`namespace ${excerpt(namespace)} is not declared in namespaces`);
    }
    const name = readName(required(object, 'name', here), here.key('name'), dns1123SubdomainProblem);
    if (seen.has(`${namespace}/${name}`)) here.key('name').fail(`duplicate service account ${namespace}/${name}`);
    seen.add(`${namespace}/${name}`);
    return { namespace, name, labels: isAbsent(object.labels) ? {} : readLabels(object.labels, here.key('labels')) };
  });
}

/** Each namespace gets kubernetes.io/metadata.name=<name>, as the API server sets it. */
export function parseNamespaces(value: unknown, at: Location): NamespaceSpec[] {
  const seen = new Set<string>();
  return readList(value, at).map((entry, i) => {
    const here = at.index(i);
    const object = readObject(entry, here, ['name', 'labels']);
    const name = readName(required(object, 'name', here), here.key('name'), dns1123LabelProblem);
    if (seen.has(name)) here.key('name').fail(`duplicate namespace ${excerpt(name)}`);
    seen.add(name);
    const labels = isAbsent(object.labels) ? {} : readLabels(object.labels, here.key('labels'));
    const automatic = labels[NAMESPACE_NAME_LABEL];
    if (automatic !== undefined && automatic !== name) {
      here.key('labels').key(NAMESPACE_NAME_LABEL).fail(`must equal the namespace name ${excerpt(name)} (the API server sets it)`);
    }
    return { name, labels: { ...labels, [NAMESPACE_NAME_LABEL]: name } };
  });
}

export function parsePods(value: unknown, at: Location, namespaces: NamespaceSpec[], serviceAccounts: ServiceAccountSpec[] = []): PodSpec[] {
  const seen = new Set<string>();
  return readList(value, at).map((entry, i) => {
    const here = at.index(i);
    const object = readObject(entry, here, ['namespace', 'name', 'labels', 'ip', 'ports', 'serviceAccount']);
    const namespace = readString(required(object, 'namespace', here), here.key('namespace'));
    if (!namespaces.some((ns) => ns.name === namespace)) {
      here.key('namespace').fail(`namespace ${excerpt(namespace)} is not declared in namespaces`);
    }
    const name = readName(required(object, 'name', here), here.key('name'), dns1123SubdomainProblem);
    const id = podString(namespace, name);
    if (seen.has(id)) here.key('name').fail(`duplicate pod ${id}`);
    seen.add(id);
    const pod: PodSpec = {
      namespace,
      name,
      labels: isAbsent(object.labels) ? {} : readLabels(object.labels, here.key('labels')),
      ports: isAbsent(object.ports) ? [] : parseContainerPorts(object.ports, here.key('ports')),
    };
    if (!isAbsent(object.ip)) pod.ip = readIpAddress(object.ip, here.key('ip'));
    if (!isAbsent(object.serviceAccount)) {
      const account = readString(object.serviceAccount, here.key('serviceAccount'));
      if (!serviceAccounts.some((sa) => sa.namespace === namespace && sa.name === account)) {
        here.key('serviceAccount').fail(`service account ${namespace}/${account} is not declared under serviceAccounts`);
      }
      pod.serviceAccount = account;
    }
    return pod;
  });
}

export function parseContainerPorts(value: unknown, at: Location): ContainerPort[] {
  const names = new Set<string>();
  return readList(value, at).map((entry, i) => {
    const here = at.index(i);
    const object = readObject(entry, here, ['name', 'port', 'protocol']);
    const port = readInteger(required(object, 'port', here), here.key('port'));
    const portProblem = portNumberProblem(port);
    if (portProblem) here.key('port').fail(`invalid port ${port}: ${portProblem}`);
    const result: ContainerPort = {
      port,
      protocol: isAbsent(object.protocol) ? 'TCP' : readProtocol(object.protocol, here.key('protocol')),
    };
    if (!isAbsent(object.name)) {
      const name = readName(object.name, here.key('name'), portNameProblem);
      // Named ports must be unique within a pod, or a policy's named port would be ambiguous.
      if (names.has(name)) here.key('name').fail(`duplicate port name ${excerpt(name)}`);
      names.add(name);
      result.name = name;
    }
    return result;
  });
}

export function parseExternals(value: unknown, at: Location): ExternalHost[] {
  const seen = new Set<string>();
  return readList(value, at).map((entry, i) => {
    const here = at.index(i);
    const object = readObject(entry, here, ['name', 'ip']);
    // A DNS label never contains '/', so an external name can never be mistaken for "ns/pod".
    const name = readName(required(object, 'name', here), here.key('name'), dns1123LabelProblem);
    if (seen.has(name)) here.key('name').fail(`duplicate external host ${excerpt(name)}`);
    seen.add(name);
    const host: ExternalHost = { name };
    if (!isAbsent(object.ip)) host.ip = readIpAddress(object.ip, here.key('ip'));
    return host;
  });
}

function readName(value: unknown, at: Location, problemOf: (text: string) => string | undefined): string {
  const name = readString(value, at);
  const problem = problemOf(name);
  if (problem) at.fail(`invalid name ${excerpt(name)}: ${problem}`);
  return name;
}

function readIpAddress(value: unknown, at: Location): string {
  const ip = readString(value, at);
  if (!parseIp(ip)) at.fail(`${excerpt(ip)} is not a valid IPv4 or IPv6 address`);
  return ip;
}

/** Two endpoints with one IP would make every ipBlock verdict ambiguous. */
function checkUniqueIps(pods: PodSpec[], externals: ExternalHost[], at: Location): void {
  const owners = new Map<bigint, string>();
  const endpoints = [
    ...pods.map((pod, i) => ({ ip: pod.ip, at: at.key('pods').index(i).key('ip') })),
    ...externals.map((host, i) => ({ ip: host.ip, at: at.key('externals').index(i).key('ip') })),
  ];
  for (const endpoint of endpoints) {
    const ip = endpoint.ip === undefined ? undefined : parseIp(endpoint.ip);
    if (!ip) continue;
    const key = (BigInt(ip.family) << 128n) | ip.value;
    const owner = owners.get(key);
    if (owner !== undefined) endpoint.at.fail(`${endpoint.ip} is already used by ${owner}`);
    owners.set(key, endpoint.at.path);
  }
}
