// Recipe -> RecipePlan: deployed names, resolved addresses, each step's changes and state, and
// every probe's expectation from the oracle, judged by the state after the probe's step. Pure:
// the run engine carries the plan out; `recipes` prints it.
import type { FixturePod } from '../cluster/provider.ts';
import { InputError } from '../errors.ts';
import { isCalicoTier } from '../model/calico.ts';
import type { LabelSelector, Model, NetworkPolicy, NetworkPolicyPeer, PodSpec, ProbeProtocol } from '../model/types.ts';
import { isKubernetesNetworkPolicy, podString } from '../model/types.ts';
import { Oracle, type Endpoint, type Flow, type FlowProtocol } from '../oracle/index.ts';
import { validatePolicyResource } from '../scenario/index.ts';
import { planCalicoResource, type CalicoRenames } from './calico.ts';
import { placeholderAddress, resolvePlaceholders } from './placeholders.ts';
import { expandProbes, probeKey } from './probes.ts';
import { planSteps } from './steps.ts';
import type { PlanAddresses, PlannedProbe, ProseCheck, Recipe, RecipePlan, RecipePod } from './types.ts';

const namespaceNameKey = 'kubernetes.io/metadata.name';

/**
 * The deployed name of a recipe namespace: `<namespace>-<recipe id>-<suffix>` (e.g.
 * `default-06-r7f3k`), so recipes never share a namespace, and a run's leftovers carry its id.
 * An empty suffix keeps the recipe's names (listing, unit tests).
 */
export function namespaceName(namespace: string, recipeId: string, suffix: string): string {
  if (suffix === '') return namespace;
  const name = `${namespace}-${recipeId}-${suffix}`;
  if (name.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new InputError(`recipe ${recipeId}: namespace name "${name}" is not a DNS label of at most 63 characters; use a shorter run suffix`);
  }
  return name;
}

const flowProtocols: Record<ProbeProtocol, FlowProtocol> = { tcp: 'TCP', http: 'TCP', udp: 'UDP', icmp: 'ICMP' };

/** A recipe tier's deployed name, `<tier>-<recipe id>-<suffix>`: tiers are cluster-wide. */
export function tierName(tier: string, recipeId: string, suffix: string): string {
  if (suffix === '') return tier;
  const name = `${tier}-${recipeId}-${suffix}`;
  if (name.length > 63) throw new InputError(`recipe ${recipeId}: tier name "${name}" is longer than 63 characters; use a shorter tier name or run suffix`);
  return name;
}

export function planRecipe(recipe: Recipe, suffix: string, addresses: PlanAddresses = {}): RecipePlan {
  const namespaceNames = Object.fromEntries(recipe.namespaces.map((ns) => [ns.name, namespaceName(ns.name, recipe.id, suffix)]));
  const deployed = (ns: string): string => namespaceNames[ns] ?? ns;
  const tierNames = Object.fromEntries(recipe.policies.filter(isCalicoTier).map((t) => [t.metadata.name, tierName(t.metadata.name, recipe.id, suffix)]));
  const renames: CalicoRenames = {
    namespace: deployed,
    tier: (tier) => tierNames[tier] ?? tier,
    suffix: suffix === '' ? '' : `-${recipe.id}-${suffix}`,
    namespaces: Object.values(namespaceNames),
  };
  const externalIps = Object.fromEntries(
    recipe.externals.map((host, i) => [host.name, addresses.externals?.[host.name] ?? placeholderAddress(i)]),
  );

  const namespaces = recipe.namespaces.map((ns) => ({
    name: deployed(ns.name),
    labels: { ...ns.labels, [namespaceNameKey]: deployed(ns.name) },
  }));
  const podSpec = (pod: RecipePod): PodSpec => {
    const name = podString(deployed(pod.namespace), pod.name);
    const spec: PodSpec = {
      namespace: deployed(pod.namespace),
      name: pod.name,
      labels: { ...pod.labels },
      ports: pod.serve.map(({ http: _http, ...port }) => port),
      ...(pod.serviceAccount !== undefined ? { serviceAccount: pod.serviceAccount } : {}),
    };
    const ip = addresses.pods?.[name];
    if (ip !== undefined) spec.ip = ip;
    return spec;
  };
  const fixture = (pod: RecipePod): FixturePod => ({
    namespace: deployed(pod.namespace),
    name: pod.name,
    labels: { ...pod.labels },
    serve: pod.serve.map((port) => ({ ...port })),
    ...(pod.serviceAccount !== undefined ? { serviceAccount: pod.serviceAccount } : {}),
  });
  const serviceAccounts = recipe.serviceAccounts.map((sa) => ({ ...sa, namespace: deployed(sa.namespace), labels: { ...sa.labels } }));
  const model: Model = {
    namespaces,
    pods: recipe.pods.map(podSpec),
    externals: recipe.externals.map((host) => ({ name: host.name, ip: externalIps[host.name] })),
    ...(serviceAccounts.length > 0 ? { serviceAccounts } : {}),
  };
  const steps = planSteps(recipe, model, {
    namespace: deployed,
    pod: podSpec,
    fixture,
    // Re-validated: real addresses can break a rule the stand-ins kept (an except outside its cidr).
    policy: (policy, path) => {
      const resolved = resolvePlaceholders(policy, externalIps);
      const planned = isKubernetesNetworkPolicy(resolved) ? renamePolicy(resolved, deployed) : planCalicoResource(resolved, renames);
      return validatePolicyResource(planned, `${recipe.file}: ${path} (planned)`);
    },
  });
  // One oracle per step, compiled once for all of the step's probes.
  const oracles = new Map(steps.map((step) => [step.name, new Oracle(step.model, step.policies)]));

  const endpoint = (name: string): Endpoint => {
    const slash = name.indexOf('/');
    return slash === -1 ? { external: name } : { pod: podString(deployed(name.slice(0, slash)), name.slice(slash + 1)) };
  };
  const probes: PlannedProbe[] = expandProbes(recipe).map((spec) => {
    const flow: Flow = { from: endpoint(spec.from), to: endpoint(spec.to), protocol: flowProtocols[spec.protocol] };
    if (spec.port !== undefined) flow.port = spec.port;
    // parseRecipe guarantees every probe's phase names a step.
    const verdict = oracles.get(spec.phase)!.evaluate(flow);
    return { ...spec, flow, expected: verdict.allowed ? 'allowed' : 'blocked', reason: verdict.reason };
  });

  return {
    recipe: { id: recipe.id, title: recipe.title, source: recipe.source, file: recipe.file, notes: recipe.notes },
    suffix,
    namespaceNames,
    tierNames,
    model,
    namespaces,
    serviceAccounts,
    fixtures: recipe.pods.map(fixture),
    externals: recipe.externals.map((host) => ({ name: host.name, serve: host.serve.map((port) => ({ ...port })) })),
    policies: steps.flatMap((step) => step.changes.flatMap((c) => (c.kind === 'apply' ? [c.policy] : []))),
    steps,
    probes,
    prose: checkProse(recipe, probes),
  };
}

function checkProse(recipe: Recipe, probes: PlannedProbe[]): ProseCheck[] {
  const checks: ProseCheck[] = [];
  for (const claim of recipe.prose) {
    const check = claim.check;
    if (!check) continue;
    const id = probeKey(check);
    // parseRecipe guarantees a probe covers every checkable claim.
    const probe = probes.find((p) => p.id === id);
    if (!probe) throw new Error(`recipe ${recipe.id}: no probe ${id} for a prose claim`);
    const result: ProseCheck = {
      claim: { ...claim, check },
      probe: id,
      oracle: probe.expected,
      reason: probe.reason,
      agrees: probe.expected === check.expect,
    };
    const note = claim.id === undefined ? undefined : recipe.notes.find((n) => n.prose === claim.id);
    if (note) result.note = note.text;
    checks.push(result);
  }
  return checks;
}

/** metadata.namespace and namespaceSelectors on kubernetes.io/metadata.name follow the rename. */
function renamePolicy(policy: NetworkPolicy, deployed: (ns: string) => string): NetworkPolicy {
  const peers = (list: NetworkPolicyPeer[] | undefined): NetworkPolicyPeer[] | undefined =>
    list?.map((peer) => (peer.namespaceSelector ? { ...peer, namespaceSelector: renameSelector(peer.namespaceSelector, deployed) } : peer));
  const spec = { ...policy.spec };
  if (spec.ingress) spec.ingress = spec.ingress.map((rule) => (rule.from ? { ...rule, from: peers(rule.from) } : rule));
  if (spec.egress) spec.egress = spec.egress.map((rule) => (rule.to ? { ...rule, to: peers(rule.to) } : rule));
  return { ...policy, metadata: { ...policy.metadata, namespace: deployed(policy.metadata.namespace) }, spec };
}

function renameSelector(selector: LabelSelector, deployed: (ns: string) => string): LabelSelector {
  const renamed: LabelSelector = { ...selector };
  const named = selector.matchLabels?.[namespaceNameKey];
  if (selector.matchLabels && named !== undefined) renamed.matchLabels = { ...selector.matchLabels, [namespaceNameKey]: deployed(named) };
  if (selector.matchExpressions) {
    renamed.matchExpressions = selector.matchExpressions.map((expr) =>
      expr.key === namespaceNameKey && expr.values ? { ...expr, values: expr.values.map(deployed) } : expr,
    );
  }
  return renamed;
}
