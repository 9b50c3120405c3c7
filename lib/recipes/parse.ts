// One recipe file -> a strictly validated Recipe. Every error names the file and the offending
// path (e.g. `recipes/06-x.yaml: pods[2].serve[0].port: ...`), so a catalog author can fix it.
import { basename } from 'node:path';
import { InputError } from '../errors.ts';
import type { IpFamily, Labels, NamespaceSpec, NetworkPolicy, PolicyResource, ProbeProtocol, ServiceAccountSpec } from '../model/types.ts';
import { ipFamilies, isKubernetesNetworkPolicy, namespaceOf } from '../model/types.ts';
import { Location, parseContainerPorts, parseServiceAccounts, parseYamlDocument, readLabels } from '../scenario/index.ts';
import { checkCalicoResources } from './calico.ts';
import { validateRecipePolicy } from './policy.ts';
import { placeholderUses } from './placeholders.ts';
import { expandMatrix, probeKey } from './probes.ts';
import type {
  Expectation,
  Phase,
  ProbeMatrix,
  ProseAssertion,
  ProseClaim,
  Recipe,
  RecipeExternal,
  RecipeNote,
  RecipePod,
  ServedPort,
} from './types.ts';

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const phases: readonly Phase[] = ['before', 'after'];
const probeProtocols: readonly ProbeProtocol[] = ['tcp', 'udp', 'http', 'icmp'];
const expectations: readonly Expectation[] = ['allowed', 'blocked'];

/** Thrown for the first problem found; `file: path: message`. */
class RecipeReader {
  constructor(readonly file: string) {}

  fail(path: string, message: string): never {
    throw new InputError(`${this.file}: ${path ? `${path}: ` : ''}${message}`);
  }

  /** An object with only the allowed keys; `required` ones must be present. */
  object(value: unknown, path: string, allowed: readonly string[], required: readonly string[] = []): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `expected a mapping, got ${describe(value)}`);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!allowed.includes(key)) this.fail(join(path, key), `unknown field (allowed: ${allowed.join(', ')})`);
    }
    for (const key of required) {
      if (record[key] === undefined || record[key] === null) this.fail(join(path, key), 'required field is missing');
    }
    return record;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, `expected a list, got ${describe(value)}`);
    return value;
  }

  optionalArray(value: unknown, path: string): unknown[] {
    return value === undefined || value === null ? [] : this.array(value, path);
  }

  string(value: unknown, path: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(path, `expected a non-empty string, got ${describe(value)}`);
    return value;
  }

  name(value: unknown, path: string): string {
    const name = this.string(value, path);
    if (!dnsLabel.test(name) || name.length > 63) this.fail(path, `"${name}" is not a DNS label (lowercase letters, digits, "-")`);
    return name;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.fail(path, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
    }
    return value as T;
  }

  port(value: unknown, path: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535) {
      this.fail(path, `expected a port number 1-65535, got ${describe(value)}`);
    }
    return value;
  }

  /** Label syntax is checked as the API server does (the scenario validator's readLabels). */
  labels(value: unknown, path: string): Labels {
    if (value === undefined || value === null) return {};
    return readLabels(value, this.at(path));
  }

  at(path: string): Location {
    return new Location(this.file, path);
  }

  /** A string or a list of strings, always returned as a non-empty list. */
  list(value: unknown, path: string): string[] {
    const items = typeof value === 'string' ? [value] : this.array(value, path);
    if (items.length === 0) this.fail(path, 'expected at least one entry');
    return items.map((item, i) => this.string(item, `${path}[${i}]`));
  }
}

export function parseRecipe(text: string, file: string): Recipe {
  const r = new RecipeReader(file);
  const document = parseYamlDocument(text, file);
  const top = r.object(
    document,
    '',
    ['id', 'title', 'source', 'prose', 'notes', 'namespaces', 'serviceAccounts', 'pods', 'externals', 'policies', 'probes'],
    ['id', 'title', 'source', 'namespaces', 'pods', 'policies', 'probes'],
  );
  const id = r.name(top.id, 'id');
  const base = basename(file);
  if (base !== `${id}.yaml` && !base.startsWith(`${id}-`)) r.fail('id', `"${id}" must start the file name (e.g. ${id}-short-title.yaml)`);

  const namespaces = readNamespaces(r, top.namespaces);
  const serviceAccounts = top.serviceAccounts === undefined || top.serviceAccounts === null ? [] : parseServiceAccounts(top.serviceAccounts, r.at('serviceAccounts'), namespaces);
  const externals = readExternals(r, top.externals);
  const pods = readPods(r, top.pods, namespaces, externals, serviceAccounts);
  const policies = readPolicies(r, top.policies, namespaces, externals);
  const probes = r.array(top.probes, 'probes').map((m, i) => readMatrix(r, m, `probes[${i}]`, pods, externals));
  if (probes.length === 0) r.fail('probes', 'a recipe needs at least one probe');
  const prose = r.optionalArray(top.prose, 'prose').map((c, i) => readClaim(r, c, `prose[${i}]`, pods, externals));
  const notes = r.optionalArray(top.notes, 'notes').map((n, i) => readNote(r, n, `notes[${i}]`, prose));

  const recipe: Recipe = {
    id,
    title: r.string(top.title, 'title'),
    source: r.string(top.source, 'source'),
    file,
    prose,
    notes,
    namespaces,
    serviceAccounts,
    pods,
    externals,
    policies,
    probes,
  };
  checkProseIsProbed(r, recipe);
  return recipe;
}

function readNamespaces(r: RecipeReader, value: unknown): NamespaceSpec[] {
  const seen = new Set<string>();
  return r.array(value, 'namespaces').map((item, i) => {
    const path = `namespaces[${i}]`;
    const ns = r.object(item, path, ['name', 'labels'], ['name']);
    const name = r.name(ns.name, `${path}.name`);
    if (seen.has(name)) r.fail(`${path}.name`, `namespace "${name}" is declared twice`);
    seen.add(name);
    const labels = r.labels(ns.labels, `${path}.labels`);
    if ('kubernetes.io/metadata.name' in labels) {
      r.fail(`${path}.labels`, 'kubernetes.io/metadata.name is set from the deployed (suffixed) name; leave it out');
    }
    return { name, labels };
  });
}

/** Container ports (validated by the scenario's parseContainerPorts) plus the catalog's `http` flag. */
function readServe(r: RecipeReader, value: unknown, path: string): ServedPort[] {
  const entries = r.optionalArray(value, path).map((item, i) => r.object(item, `${path}[${i}]`, ['name', 'port', 'protocol', 'http'], ['port']));
  const ports = parseContainerPorts(
    entries.map(({ http: _http, ...port }) => port),
    r.at(path),
  );
  const seen = new Set<string>();
  return ports.map((port, i) => {
    const p = `${path}[${i}]`;
    const served: ServedPort = { ...port };
    const http = entries[i]?.http;
    if (http !== undefined) {
      if (typeof http !== 'boolean') r.fail(`${p}.http`, `expected true or false, got ${describe(http)}`);
      if (http && port.protocol !== 'TCP') r.fail(`${p}.http`, 'only a TCP port can speak HTTP');
      served.http = http;
    }
    const key = `${port.protocol}/${port.port}`;
    if (seen.has(key)) r.fail(p, `${key} is served twice`);
    seen.add(key);
    return served;
  });
}

function readExternals(r: RecipeReader, value: unknown): RecipeExternal[] {
  const seen = new Set<string>();
  return r.optionalArray(value, 'externals').map((item, i) => {
    const path = `externals[${i}]`;
    const host = r.object(item, path, ['name', 'serve'], ['name']);
    const name = r.name(host.name, `${path}.name`);
    if (seen.has(name)) r.fail(`${path}.name`, `external host "${name}" is declared twice`);
    seen.add(name);
    return { name, serve: readServe(r, host.serve, `${path}.serve`) };
  });
}

function readPods(r: RecipeReader, value: unknown, namespaces: NamespaceSpec[], externals: RecipeExternal[], serviceAccounts: ServiceAccountSpec[]): RecipePod[] {
  const seen = new Set<string>();
  return r.array(value, 'pods').map((item, i) => {
    const path = `pods[${i}]`;
    const pod = r.object(item, path, ['namespace', 'name', 'labels', 'serve', 'serviceAccount'], ['namespace', 'name']);
    const namespace = r.name(pod.namespace, `${path}.namespace`);
    if (!namespaces.some((ns) => ns.name === namespace)) r.fail(`${path}.namespace`, `namespace "${namespace}" is not declared under namespaces`);
    const name = r.name(pod.name, `${path}.name`);
    const key = `${namespace}/${name}`;
    if (seen.has(key)) r.fail(`${path}.name`, `pod ${key} is declared twice`);
    if (externals.some((h) => h.name === name)) {
      // Not ambiguous (pods are "ns/pod"), but confusing to read in probe tables.
      r.fail(`${path}.name`, `"${name}" is also an external host's name`);
    }
    seen.add(key);
    const result: RecipePod = { namespace, name, labels: r.labels(pod.labels, `${path}.labels`), serve: readServe(r, pod.serve, `${path}.serve`) };
    if (pod.serviceAccount !== undefined && pod.serviceAccount !== null) {
      const account = r.string(pod.serviceAccount, `${path}.serviceAccount`);
      if (!serviceAccounts.some((sa) => sa.namespace === namespace && sa.name === account)) {
        r.fail(`${path}.serviceAccount`, `service account ${namespace}/${account} is not declared under serviceAccounts`);
      }
      result.serviceAccount = account;
    }
    return result;
  });
}

function readPolicies(r: RecipeReader, value: unknown, namespaces: NamespaceSpec[], externals: RecipeExternal[]): PolicyResource[] {
  const names = new Set<string>();
  const policies = r.array(value, 'policies').map((item, i) => {
    const path = `policies[${i}]`;
    for (const use of placeholderUses(item)) {
      if (!externals.some((h) => h.name === use.name)) r.fail(path, `{{external:${use.name}}} names no host under externals`);
      if (use.family !== undefined && use.family !== 'IPv6') {
        r.fail(path, `{{external:${use.name}:${use.family}}}: write {{external:${use.name}}} for the IPv4 address, {{external:${use.name}:IPv6}} for the IPv6 one`);
      }
    }
    // No defaultNamespace: the validator then requires metadata.namespace, as the catalog wants.
    const policy = validateRecipePolicy(item, r.file, path, externals.map((h) => h.name));
    const namespace = namespaceOf(policy);
    if (namespace !== undefined && !namespaces.some((ns) => ns.name === namespace)) r.fail(`${path}.metadata.namespace`, `namespace "${namespace}" is not declared under namespaces`);
    const kind = isKubernetesNetworkPolicy(policy) ? 'policy' : `Calico ${policy.kind}`;
    const key = `${kind} ${namespace === undefined ? '' : `${namespace}/`}${policy.metadata.name}`;
    if (names.has(key)) r.fail(`${path}.metadata.name`, `${key} is declared twice`);
    names.add(key);
    if (isKubernetesNetworkPolicy(policy)) checkNamespaceNameSelectors(r, policy, path, namespaces);
    return policy;
  });
  checkCalicoResources(policies, r.at(''));
  return policies;
}

/**
 * Namespaces are renamed at plan time; a selector on kubernetes.io/metadata.name is renamed with
 * them, so it must name a namespace of the recipe.
 */
function checkNamespaceNameSelectors(r: RecipeReader, policy: NetworkPolicy, path: string, namespaces: NamespaceSpec[]): void {
  const declared = (name: string): boolean => namespaces.some((ns) => ns.name === name);
  const rules = [
    ...(policy.spec.ingress ?? []).map((rule, i) => ({ peers: rule.from ?? [], at: `${path}.spec.ingress[${i}].from` })),
    ...(policy.spec.egress ?? []).map((rule, i) => ({ peers: rule.to ?? [], at: `${path}.spec.egress[${i}].to` })),
  ];
  for (const { peers, at } of rules) {
    peers.forEach((peer, j) => {
      const selector = peer.namespaceSelector;
      if (!selector) return;
      const named = selector.matchLabels?.['kubernetes.io/metadata.name'];
      if (named !== undefined && !declared(named)) {
        r.fail(`${at}[${j}].namespaceSelector.matchLabels`, `kubernetes.io/metadata.name "${named}" is not a namespace of the recipe`);
      }
      (selector.matchExpressions ?? []).forEach((expr, k) => {
        if (expr.key !== 'kubernetes.io/metadata.name') return;
        for (const value of expr.values ?? []) {
          if (!declared(value)) r.fail(`${at}[${j}].namespaceSelector.matchExpressions[${k}].values`, `"${value}" is not a namespace of the recipe`);
        }
      });
    });
  }
}

function readEndpoint(r: RecipeReader, value: unknown, path: string, pods: RecipePod[], externals: RecipeExternal[]): string {
  const name = r.string(value, path);
  if (name.includes('/')) {
    if (!pods.some((p) => `${p.namespace}/${p.name}` === name)) r.fail(path, `pod ${name} is not declared under pods`);
  } else if (!externals.some((h) => h.name === name)) {
    r.fail(path, `"${name}" is neither a pod ("namespace/name") nor an external host of the recipe`);
  }
  return name;
}

function readMatrix(r: RecipeReader, value: unknown, path: string, pods: RecipePod[], externals: RecipeExternal[]): ProbeMatrix {
  const m = r.object(value, path, ['phases', 'from', 'to', 'protocols', 'port', 'ports', 'families'], ['from', 'to', 'protocols']);
  const from = r.list(m.from, `${path}.from`).map((e, i) => readEndpoint(r, e, `${path}.from[${i}]`, pods, externals));
  const to = r.list(m.to, `${path}.to`).map((e, i) => readEndpoint(r, e, `${path}.to[${i}]`, pods, externals));
  const protocols = r.list(m.protocols, `${path}.protocols`).map((p, i) => r.oneOf(p, `${path}.protocols[${i}]`, probeProtocols));
  const matrixPhases =
    m.phases === undefined ? [...phases] : r.list(m.phases, `${path}.phases`).map((p, i) => r.oneOf(p, `${path}.phases[${i}]`, phases));
  if (m.port !== undefined && m.ports !== undefined) r.fail(path, 'give either port or ports, not both');
  const rawPorts = m.port !== undefined ? [m.port] : m.ports === undefined ? [] : r.array(m.ports, `${path}.ports`);
  const ports = rawPorts.map((p, i) => r.port(p, m.port !== undefined ? `${path}.port` : `${path}.ports[${i}]`));
  const needsPort = protocols.some((p) => p !== 'icmp');
  if (needsPort && ports.length === 0) r.fail(path, `protocols ${protocols.filter((p) => p !== 'icmp').join(', ')} need a port`);
  if (!needsPort && ports.length > 0) r.fail(path, 'an ICMP-only probe takes no port');
  for (const a of from) {
    for (const b of to) {
      if (!a.includes('/') && !b.includes('/')) r.fail(path, `${a} -> ${b}: a probe between two external hosts says nothing about policy`);
    }
  }
  const matrix: ProbeMatrix = { phases: matrixPhases, from, to, protocols, ports };
  if (m.families !== undefined) matrix.families = readFamilies(r, m.families, `${path}.families`);
  for (const probe of expandMatrix(matrix, ipFamilies)) {
    const served = servedBy(probe.to, pods, externals);
    if (probe.protocol === 'icmp' || probe.port === undefined) continue;
    const wanted = probe.protocol === 'udp' ? 'UDP' : 'TCP';
    const port = served.find((s) => s.port === probe.port && s.protocol === wanted);
    if (!port) r.fail(path, `${probe.to} does not serve ${wanted}/${probe.port}, needed by ${probe.protocol} probes (add it under serve)`);
    if (probe.protocol === 'http' && !port.http) r.fail(path, `${probe.to} port ${probe.port} does not speak HTTP (serve entry without http: true)`);
  }
  return matrix;
}

function readFamilies(r: RecipeReader, value: unknown, path: string): IpFamily[] {
  const families = r.list(value, path).map((f, i) => r.oneOf(f, `${path}[${i}]`, ipFamilies));
  if (new Set(families).size !== families.length) r.fail(path, 'a family is listed twice');
  return families;
}

function servedBy(target: string, pods: RecipePod[], externals: RecipeExternal[]): ServedPort[] {
  return (
    pods.find((p) => `${p.namespace}/${p.name}` === target)?.serve ?? externals.find((h) => h.name === target)?.serve ?? []
  );
}

function readClaim(r: RecipeReader, value: unknown, path: string, pods: RecipePod[], externals: RecipeExternal[]): ProseClaim {
  const c = r.object(value, path, ['id', 'text', 'phase', 'from', 'to', 'protocol', 'port', 'family', 'expect'], ['text']);
  const claim: ProseClaim = { text: r.string(c.text, `${path}.text`) };
  if (c.id !== undefined) claim.id = r.name(c.id, `${path}.id`);
  const checkable = ['from', 'to', 'protocol', 'expect'];
  const present = checkable.filter((k) => c[k] !== undefined);
  if (present.length === 0) {
    if (c.phase !== undefined || c.port !== undefined || c.family !== undefined) {
      r.fail(path, 'phase, port and family only make sense with from, to, protocol and expect');
    }
    return claim;
  }
  if (present.length < checkable.length) {
    r.fail(path, `a checkable claim needs ${checkable.join(', ')}; missing ${checkable.filter((k) => c[k] === undefined).join(', ')}`);
  }
  const check: ProseAssertion = {
    phase: c.phase === undefined ? 'after' : r.oneOf(c.phase, `${path}.phase`, phases),
    from: readEndpoint(r, c.from, `${path}.from`, pods, externals),
    to: readEndpoint(r, c.to, `${path}.to`, pods, externals),
    protocol: r.oneOf(c.protocol, `${path}.protocol`, probeProtocols),
    expect: r.oneOf(c.expect, `${path}.expect`, expectations),
  };
  if (c.family !== undefined) check.family = r.oneOf(c.family, `${path}.family`, ipFamilies);
  if (check.protocol === 'icmp') {
    if (c.port !== undefined) r.fail(`${path}.port`, 'an ICMP claim takes no port');
  } else {
    check.port = r.port(c.port, `${path}.port`);
  }
  claim.check = check;
  return claim;
}

function readNote(r: RecipeReader, value: unknown, path: string, prose: ProseClaim[]): RecipeNote {
  const n = r.object(value, path, ['prose', 'text'], ['text']);
  const note: RecipeNote = { text: r.string(n.text, `${path}.text`) };
  if (n.prose !== undefined) {
    const id = r.string(n.prose, `${path}.prose`);
    const claim = prose.find((c) => c.id === id);
    if (!claim) r.fail(`${path}.prose`, `no prose claim has id "${id}"`);
    if (!claim.check) r.fail(`${path}.prose`, `prose claim "${id}" is not checkable, so it cannot disagree with the oracle`);
    note.prose = id;
  }
  return note;
}

/** Every checkable claim must be carried to the cluster by one of the recipe's probes. */
function checkProseIsProbed(r: RecipeReader, recipe: Recipe): void {
  // Any family: the cluster's are not known here (a claim names IPv6 when only IPv6 probes cover it).
  const keys = new Set(recipe.probes.flatMap((m) => expandMatrix(m, ipFamilies)).map((p) => p.id));
  recipe.prose.forEach((claim, i) => {
    if (claim.check && !keys.has(probeKey(claim.check))) {
      r.fail(`prose[${i}]`, `no probe covers this claim (${probeKey(claim.check)}); add it to a probe matrix`);
    }
  });
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
