// One recipe file -> a strictly validated Recipe. Every error names the file and the offending
// path (e.g. `recipes/06-x.yaml: pods[2].serve[0].port: ...`), so a catalog author can fix it.
import { basename } from 'node:path';
import { excerpt, InputError } from '../errors.ts';
import type { NamespaceSpec, NetworkPolicy, PolicyResource, ProbeProtocol, ServiceAccountSpec } from '../model/types.ts';
import { isKubernetesNetworkPolicy, namespaceOf } from '../model/types.ts';
import { checkCounts, parseContainerPorts, parseServiceAccounts, parseYamlDocument, yamlLineOf } from '../scenario/index.ts';
import { checkCalicoResources } from './calico.ts';
import { validateRecipePolicy } from './policy.ts';
import { externalPlaceholders } from './placeholders.ts';
import { expandMatrix, probeKey } from './probes.ts';
import { RecipeReader, describe } from './reader.ts';
import { impliedSteps, podArrivals, readSteps } from './parse-steps.ts';
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
  RecipeStep,
  ServedPort,
} from './types.ts';

const probeProtocols: readonly ProbeProtocol[] = ['tcp', 'udp', 'http', 'icmp'];
const expectations: readonly Expectation[] = ['allowed', 'blocked'];

/** What probes and prose claims may name: every pod (and the step that adds it), host and step. */
interface ProbeTargets {
  pods: RecipePod[];
  externals: RecipeExternal[];
  steps: RecipeStep[];
  /** "ns/pod" -> index of the step that adds it (-1: deployed before the first step). */
  arrivals: Map<string, number>;
}

/** docs/recipes.md, "Limits". */
export const recipeLimits = { namespaces: 20, pods: 50, externals: 20, policies: 50, steps: 20, probes: 100, prose: 100, notes: 100 } as const;

/** Every error names the file, the field's path and, after it, the field's line in the file. */
export function parseRecipe(text: string, file: string): Recipe {
  const document = parseYamlDocument(text, file);
  try {
    return readRecipe(document, file);
  } catch (e) {
    if (!(e instanceof InputError) || e.at === undefined || e.at.file !== file) throw e;
    const line = yamlLineOf(text, e.at.path);
    throw line === undefined ? e : new InputError(`${e.message} (line ${line})`, { cause: e, at: e.at });
  }
}

function readRecipe(document: unknown, file: string): Recipe {
  const r = new RecipeReader(file);
  const top = r.object(
    document,
    '',
    ['id', 'title', 'source', 'prose', 'notes', 'namespaces', 'serviceAccounts', 'pods', 'externals', 'policies', 'steps', 'probes'],
    ['id', 'title', 'source', 'namespaces', 'pods', 'probes'],
  );
  // A recipe runs on a real cluster: every pod and external host is a process and a namespace.
  checkCounts(top, r.at(''), recipeLimits);
  const id = r.name(top.id, 'id');
  const base = basename(file);
  if (base !== `${id}.yaml` && !base.startsWith(`${id}-`)) r.fail('id', `"${id}" must start the file name (e.g. ${id}-short-title.yaml)`);

  const namespaces = readNamespaces(r, top.namespaces);
  const serviceAccounts = top.serviceAccounts === undefined || top.serviceAccounts === null ? [] : parseServiceAccounts(top.serviceAccounts, r.at('serviceAccounts'), namespaces);
  const externals = readExternals(r, top.externals);
  const pods = readPods(r, top.pods, namespaces, externals, serviceAccounts);
  const stepped = top.steps !== undefined && top.steps !== null;
  let steps: RecipeStep[];
  let policies: PolicyResource[];
  if (stepped) {
    if (top.policies !== undefined) r.fail('policies', 'a recipe with steps applies its policies in them; move each under the apply: of the step that applies it');
    steps = readSteps(r, top.steps, {
      namespaces,
      pods,
      readPod: (item, path) => readPod(r, item, path, namespaces, externals, serviceAccounts),
      readPolicy: (item, path) => readPolicy(r, item, path, namespaces, externals),
    });
    policies = steps.flatMap((step) => step.apply);
    // Every tier a step's policy is in must be one the recipe applies.
    checkCalicoResources(policies, r.at(''));
  } else {
    if (top.policies === undefined || top.policies === null) r.fail('policies', 'required field is missing (or declare steps: that apply policies)');
    policies = readPolicies(r, top.policies, namespaces, externals);
    steps = impliedSteps(policies);
  }
  const targets: ProbeTargets = { pods: [...pods, ...steps.flatMap((s) => s.addPods)], externals, steps, arrivals: podArrivals(pods, steps) };
  const probes = r.array(top.probes, 'probes').map((m, i) => readMatrix(r, m, `probes[${i}]`, targets));
  if (probes.length === 0) r.fail('probes', 'a recipe needs at least one probe');
  // A claim without a phase speaks of the end state: the last step (`after` without steps).
  const lastStep = steps.at(-1)!.name;
  const prose = r.optionalArray(top.prose, 'prose').map((c, i) => readClaim(r, c, `prose[${i}]`, targets, lastStep));
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
    steps,
    stepped,
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
    const pod = readPod(r, item, `pods[${i}]`, namespaces, externals, serviceAccounts);
    const key = `${pod.namespace}/${pod.name}`;
    if (seen.has(key)) r.fail(`pods[${i}].name`, `pod ${key} is declared twice`);
    seen.add(key);
    return pod;
  });
}

function readPod(r: RecipeReader, item: unknown, path: string, namespaces: NamespaceSpec[], externals: RecipeExternal[], serviceAccounts: ServiceAccountSpec[]): RecipePod {
  const pod = r.object(item, path, ['namespace', 'name', 'labels', 'serve', 'serviceAccount'], ['namespace', 'name']);
  const namespace = r.name(pod.namespace, `${path}.namespace`);
  if (!namespaces.some((ns) => ns.name === namespace)) r.fail(`${path}.namespace`, `namespace "${namespace}" is not declared under namespaces`);
  const name = r.name(pod.name, `${path}.name`);
  if (externals.some((h) => h.name === name)) {
    // Not ambiguous (pods are "ns/pod"), but confusing to read in probe tables.
    r.fail(`${path}.name`, `"${name}" is also an external host's name`);
  }
  const result: RecipePod = { namespace, name, labels: r.labels(pod.labels, `${path}.labels`), serve: readServe(r, pod.serve, `${path}.serve`) };
  if (pod.serviceAccount !== undefined && pod.serviceAccount !== null) {
    const account = r.string(pod.serviceAccount, `${path}.serviceAccount`);
    if (!serviceAccounts.some((sa) => sa.namespace === namespace && sa.name === account)) {
      r.fail(`${path}.serviceAccount`, `service account ${namespace}/${account} is not declared under serviceAccounts`);
    }
    result.serviceAccount = account;
  }
  return result;
}

function readPolicies(r: RecipeReader, value: unknown, namespaces: NamespaceSpec[], externals: RecipeExternal[]): PolicyResource[] {
  const names = new Set<string>();
  const policies = r.array(value, 'policies').map((item, i) => {
    const path = `policies[${i}]`;
    const policy = readPolicy(r, item, path, namespaces, externals);
    const namespace = namespaceOf(policy);
    const kind = isKubernetesNetworkPolicy(policy) ? 'policy' : `Calico ${policy.kind}`;
    const key = `${kind} ${namespace === undefined ? '' : `${namespace}/`}${policy.metadata.name}`;
    if (names.has(key)) r.fail(`${path}.metadata.name`, `${key} is declared twice`);
    names.add(key);
    return policy;
  });
  checkCalicoResources(policies, r.at(''));
  return policies;
}

function readPolicy(r: RecipeReader, item: unknown, path: string, namespaces: NamespaceSpec[], externals: RecipeExternal[]): PolicyResource {
  for (const name of externalPlaceholders(item)) {
    if (!externals.some((h) => h.name === name)) r.fail(path, `{{external:${excerpt(name).slice(1, -1)}}} names no host under externals`);
  }
  // No defaultNamespace: the validator then requires metadata.namespace, as the catalog wants.
  const policy = validateRecipePolicy(item, r.file, path, externals.map((h) => h.name));
  const namespace = namespaceOf(policy);
  if (namespace !== undefined && !namespaces.some((ns) => ns.name === namespace)) r.fail(`${path}.metadata.namespace`, `namespace "${namespace}" is not declared under namespaces`);
  if (isKubernetesNetworkPolicy(policy)) checkNamespaceNameSelectors(r, policy, path, namespaces);
  return policy;
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

function readEndpoint(r: RecipeReader, value: unknown, path: string, targets: ProbeTargets): string {
  const name = r.string(value, path);
  if (name.includes('/')) {
    if (!targets.pods.some((p) => `${p.namespace}/${p.name}` === name)) r.fail(path, `pod ${excerpt(name)} is not declared under pods (nor added by a step)`);
  } else if (!targets.externals.some((h) => h.name === name)) {
    r.fail(path, `${excerpt(name)} is neither a pod ("namespace/name") nor an external host of the recipe`);
  }
  return name;
}

function readPhase(r: RecipeReader, value: unknown, path: string, targets: ProbeTargets): Phase {
  const names = targets.steps.map((s) => s.name);
  if (typeof value !== 'string' || !names.includes(value)) {
    r.fail(path, `expected the name of a step (${names.join(', ')}), got ${describe(value)}`);
  }
  return value;
}

/** A probe may name a pod only once the step that adds it has run. */
function checkArrived(r: RecipeReader, path: string, endpoint: string, phase: Phase, targets: ProbeTargets): void {
  const arrival = targets.arrivals.get(endpoint) ?? -1;
  const at = targets.steps.findIndex((s) => s.name === phase);
  if (arrival > at) r.fail(path, `${endpoint} is added by step "${targets.steps[arrival]!.name}", after step "${phase}"`);
}

function readMatrix(r: RecipeReader, value: unknown, path: string, targets: ProbeTargets): ProbeMatrix {
  const m = r.object(value, path, ['phases', 'from', 'to', 'protocols', 'port', 'ports'], ['from', 'to', 'protocols']);
  const from = r.list(m.from, `${path}.from`).map((e, i) => readEndpoint(r, e, `${path}.from[${i}]`, targets));
  const to = r.list(m.to, `${path}.to`).map((e, i) => readEndpoint(r, e, `${path}.to[${i}]`, targets));
  const protocols = r.list(m.protocols, `${path}.protocols`).map((p, i) => r.oneOf(p, `${path}.protocols[${i}]`, probeProtocols));
  // Every step by default: `before` and `after` in a recipe without steps.
  const matrixPhases =
    m.phases === undefined ? targets.steps.map((s) => s.name) : r.list(m.phases, `${path}.phases`).map((p, i) => readPhase(r, p, `${path}.phases[${i}]`, targets));
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
  for (const probe of expandMatrix(matrix)) {
    checkArrived(r, path, probe.from, probe.phase, targets);
    checkArrived(r, path, probe.to, probe.phase, targets);
    const served = servedBy(probe.to, targets.pods, targets.externals);
    if (probe.protocol === 'icmp' || probe.port === undefined) continue;
    const wanted = probe.protocol === 'udp' ? 'UDP' : 'TCP';
    const port = served.find((s) => s.port === probe.port && s.protocol === wanted);
    if (!port) r.fail(path, `${probe.to} does not serve ${wanted}/${probe.port}, needed by ${probe.protocol} probes (add it under serve)`);
    if (probe.protocol === 'http' && !port.http) r.fail(path, `${probe.to} port ${probe.port} does not speak HTTP (serve entry without http: true)`);
  }
  return matrix;
}

function servedBy(target: string, pods: RecipePod[], externals: RecipeExternal[]): ServedPort[] {
  return (
    pods.find((p) => `${p.namespace}/${p.name}` === target)?.serve ?? externals.find((h) => h.name === target)?.serve ?? []
  );
}

function readClaim(r: RecipeReader, value: unknown, path: string, targets: ProbeTargets, defaultPhase: Phase): ProseClaim {
  const c = r.object(value, path, ['id', 'text', 'phase', 'from', 'to', 'protocol', 'port', 'expect'], ['text']);
  const claim: ProseClaim = { text: r.string(c.text, `${path}.text`) };
  if (c.id !== undefined) claim.id = r.name(c.id, `${path}.id`);
  const checkable = ['from', 'to', 'protocol', 'expect'];
  const present = checkable.filter((k) => c[k] !== undefined);
  if (present.length === 0) {
    if (c.phase !== undefined || c.port !== undefined) r.fail(path, 'phase and port only make sense with from, to, protocol and expect');
    return claim;
  }
  if (present.length < checkable.length) {
    r.fail(path, `a checkable claim needs ${checkable.join(', ')}; missing ${checkable.filter((k) => c[k] === undefined).join(', ')}`);
  }
  const check: ProseAssertion = {
    phase: c.phase === undefined ? defaultPhase : readPhase(r, c.phase, `${path}.phase`, targets),
    from: readEndpoint(r, c.from, `${path}.from`, targets),
    to: readEndpoint(r, c.to, `${path}.to`, targets),
    protocol: r.oneOf(c.protocol, `${path}.protocol`, probeProtocols),
    expect: r.oneOf(c.expect, `${path}.expect`, expectations),
  };
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
  const keys = new Set(recipe.probes.flatMap(expandMatrix).map(probeKey));
  recipe.prose.forEach((claim, i) => {
    if (claim.check && !keys.has(probeKey(claim.check))) {
      r.fail(`prose[${i}]`, `no probe covers this claim (${probeKey(claim.check)}); add it to a probe matrix`);
    }
  });
}
