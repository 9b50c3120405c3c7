// The scenario file read by `netpol-conformance expect`: fixtures plus the policies to evaluate.
import { excerpt } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import type { Model, NetworkPolicy, NetworkPolicyPort, PodSpec } from '../model/types.ts';
import { isAbsent, readInteger, readList, readObject } from './fields.ts';
import { parseModel } from './fixtures.ts';
import { Location } from './location.ts';
import { validateNetworkPolicy } from './network-policy.ts';
import { parseYamlDocument } from './yaml-document.ts';

export const SCENARIO_SCHEMA_VERSION = 1;

export interface Scenario {
  schemaVersion: typeof SCENARIO_SCHEMA_VERSION;
  /** The file it was read from, as given; error messages and reports name it. */
  file: string;
  model: Model;
  policies: NetworkPolicy[];
}

const SCENARIO_KEYS = ['schemaVersion', 'namespaces', 'pods', 'externals', 'policies'];

export async function loadScenario(path: string): Promise<Scenario> {
  return parseScenario(readInputFile(path, 'scenario'), path);
}

export function parseScenario(text: string, file: string): Scenario {
  const root = new Location(file);
  const object = readObject(parseYamlDocument(text, file), root, SCENARIO_KEYS);
  if (!isAbsent(object.schemaVersion) && readInteger(object.schemaVersion, root.key('schemaVersion')) !== SCENARIO_SCHEMA_VERSION) {
    root.key('schemaVersion').fail(`unsupported schemaVersion ${String(object.schemaVersion)}; this harness reads version ${SCENARIO_SCHEMA_VERSION}`);
  }
  checkCounts(object, root, scenarioLimits);
  const model = parseModel(object, root);
  const policiesAt = root.key('policies');
  const policies = isAbsent(object.policies)
    ? []
    : readList(object.policies, policiesAt).map((entry, i) => validateNetworkPolicy(entry, policiesAt.index(i)));
  checkPolicyReferences(model, policies, root);
  return { schemaVersion: SCENARIO_SCHEMA_VERSION, file, model, policies };
}

/** `expect` evaluates every pair of endpoints against every policy: bounded so it answers in seconds. */
export const scenarioLimits = { pods: 500, externals: 100, policies: 500 } as const;

/** Refuses lists longer than `limits` before any entry is validated. Shared with recipes. */
export function checkCounts(object: Record<string, unknown>, root: Location, limits: Partial<Record<string, number>>): void {
  for (const [key, limit] of Object.entries(limits)) {
    const list = object[key];
    if (limit !== undefined && Array.isArray(list) && list.length > limit) {
      root.key(key).fail(`${list.length} entries; at most ${limit} are allowed`);
    }
  }
}

/**
 * What a NetworkPolicy alone cannot check: its namespace exists, its name is unique there, its
 * named ports are declared by some pod, and every endpoint has an IP when an ipBlock needs one.
 * `root` is the mapping that holds `pods`, `externals` and `policies` (a scenario or a recipe).
 */
export function checkPolicyReferences(model: Model, policies: NetworkPolicy[], root: Location): void {
  const at = root.key('policies');
  const seen = new Set<string>();
  policies.forEach((policy, i) => {
    const here = at.index(i);
    const { name, namespace } = policy.metadata;
    if (!model.namespaces.some((ns) => ns.name === namespace)) {
      here.key('metadata').key('namespace').fail(`namespace ${excerpt(namespace)} is not declared in namespaces`);
    }
    if (seen.has(`${namespace}/${name}`)) here.key('metadata').key('name').fail(`duplicate policy ${namespace}/${name}`);
    seen.add(`${namespace}/${name}`);
    for (const direction of ['ingress', 'egress'] as const) {
      (policy.spec[direction] ?? []).forEach((rule, r) => {
        (rule.ports ?? []).forEach((port, p) => checkNamedPort(model.pods, port, here.key('spec').key(direction).index(r).key('ports').index(p)));
      });
    }
  });
  const ipBlockAt = firstIpBlock(policies, at);
  if (ipBlockAt) {
    const needsIp = [
      ...model.pods.map((pod, i) => ({ ip: pod.ip, at: root.key('pods').index(i).key('ip') })),
      ...model.externals.map((host, i) => ({ ip: host.ip, at: root.key('externals').index(i).key('ip') })),
    ].find((endpoint) => endpoint.ip === undefined);
    if (needsIp) needsIp.at.fail(`required because ${ipBlockAt.path} matches endpoints by IP`);
  }
}

function checkNamedPort(pods: PodSpec[], port: NetworkPolicyPort, at: Location): void {
  if (typeof port.port !== 'string') return;
  const protocol = port.protocol ?? 'TCP';
  const declared = pods.some((pod) => pod.ports.some((p) => p.name === port.port && p.protocol === protocol));
  if (!declared) at.key('port').fail(`named port ${excerpt(port.port)} (${protocol}) is not declared by any pod`);
}

function firstIpBlock(policies: NetworkPolicy[], at: Location): Location | undefined {
  for (const [i, policy] of policies.entries()) {
    for (const [r, rule] of (policy.spec.ingress ?? []).entries()) {
      const p = (rule.from ?? []).findIndex((peer) => peer.ipBlock);
      if (p !== -1) return at.index(i).key('spec').key('ingress').index(r).key('from').index(p).key('ipBlock');
    }
    for (const [r, rule] of (policy.spec.egress ?? []).entries()) {
      const p = (rule.to ?? []).findIndex((peer) => peer.ipBlock);
      if (p !== -1) return at.index(i).key('spec').key('egress').index(r).key('to').index(p).key('ipBlock');
    }
  }
  return undefined;
}
