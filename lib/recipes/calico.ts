// Calico resources in recipes: what the catalog adds to Calico's own validation, and how the
// planner deploys them beside other recipes on one cluster.
//
// Namespaced resources follow their namespace's rename. Cluster-wide ones are renamed too:
// a recipe tier T becomes `T-<recipe>-<suffix>` (and a policy "T.<name>" of it
// "T-<recipe>-<suffix>.<name>"), a global policy of the default tier gets the same suffix. A global
// policy would select the pods of every recipe running at the same time, so the planner limits it
// to the recipe's own namespaces by adding `projectcalico.org/name in {...}` to its
// namespaceSelector; for the recipe's own pods that changes nothing. Selector values that name a
// recipe namespace (projectcalico.org/namespace, projectcalico.org/name, kubernetes.io/metadata.name)
// follow the rename, like the Kubernetes policies' namespace selectors do.
import type { CalicoEntityRule, CalicoPolicy, CalicoResource, CalicoRule } from '../model/calico.ts';
import { isCalicoTier, isGlobalKind } from '../model/calico.ts';
import type { PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy } from '../model/types.ts';
import { mapSelector, parseSelector, selectorText, type SelectorNode } from '../oracle/index.ts';
import { BUILT_IN_TIERS, TIER_LABEL, type Location } from '../scenario/index.ts';

const NAMESPACE_NAME_KEYS = ['projectcalico.org/namespace', 'projectcalico.org/name', 'kubernetes.io/metadata.name'];

/** The catalog's own rules for Calico resources; `root` is the recipe file's top level. */
export function checkCalicoResources(policies: readonly PolicyResource[], root: Location): void {
  const at = root.key('policies');
  const tiers = new Set(['default']);
  policies.forEach((policy, i) => {
    if (!isCalicoTier(policy)) return;
    const name = policy.metadata.name;
    if ((BUILT_IN_TIERS as readonly string[]).includes(name)) {
      at.index(i).key('metadata').key('name').fail(`tier "${name}" is the cluster's own and other recipes run beside this one: declare a tier of the recipe's own`);
    }
    tiers.add(name);
  });
  policies.forEach((policy, i) => {
    if (isKubernetesNetworkPolicy(policy) || isCalicoTier(policy)) return;
    const tier = policy.spec.tier ?? 'default';
    if (!tiers.has(tier)) at.index(i).key('spec').key('tier').fail(`tier "${tier}" is not declared: add a projectcalico.org/v3 Tier named "${tier}" to policies`);
  });
}

export interface CalicoRenames {
  namespace(name: string): string;
  /** Recipe tier -> deployed tier (the default tier keeps its name). */
  tier(name: string): string;
  /** Suffix for cluster-wide names ("-<recipe>-<run suffix>"), empty when not renaming. */
  suffix: string;
  /** Deployed names of every recipe namespace. */
  namespaces: string[];
}

export function planCalicoResource(resource: CalicoResource, renames: CalicoRenames): CalicoResource {
  if (isCalicoTier(resource)) return { ...resource, metadata: { ...resource.metadata, name: renames.tier(resource.metadata.name) } };
  const tier = resource.spec.tier ?? 'default';
  const deployedTier = renames.tier(tier);
  const global = isGlobalKind(resource.kind);
  const spec = { ...resource.spec };
  if (resource.spec.tier !== undefined) spec.tier = deployedTier;
  if (spec.selector !== undefined) spec.selector = renameValues(spec.selector, renames);
  if (global) {
    const scoped = renames.suffix === '' ? spec.namespaceSelector : scopeToNamespaces(spec.namespaceSelector, renames);
    if (scoped !== undefined) spec.namespaceSelector = renameValues(scoped, renames);
  }
  if (spec.ingress) spec.ingress = spec.ingress.map((rule) => renameRule(rule, renames));
  if (spec.egress) spec.egress = spec.egress.map((rule) => renameRule(rule, renames));
  const metadata: CalicoPolicy['metadata'] = { ...resource.metadata, name: policyName(resource.metadata.name, tier, deployedTier, global, renames) };
  if (metadata.namespace !== undefined) metadata.namespace = renames.namespace(metadata.namespace);
  if (metadata.labels?.[TIER_LABEL] !== undefined) metadata.labels = { ...metadata.labels, [TIER_LABEL]: deployedTier };
  return { ...resource, metadata, spec };
}

function policyName(name: string, tier: string, deployedTier: string, global: boolean, renames: CalicoRenames): string {
  if (name.startsWith(`${tier}.`) && tier !== 'default') return `${deployedTier}.${name.slice(tier.length + 1)}`;
  return global && renames.suffix !== '' ? `${name}${renames.suffix}` : name;
}

/** `(<selector>) && projectcalico.org/name in {<recipe namespaces>}`, or only the latter. */
function scopeToNamespaces(selector: string | undefined, renames: CalicoRenames): string {
  const quoted = [...renames.namespaces].sort().map((ns) => `"${ns}"`).join(', ');
  const scope = `projectcalico.org/name in {${quoted}}`;
  return selector === undefined || selector.trim() === '' ? scope : `(${selector}) && ${scope}`;
}

function renameRule(rule: CalicoRule, renames: CalicoRenames): CalicoRule {
  const renamed = { ...rule };
  if (rule.source) renamed.source = renameEntity(rule.source, renames);
  if (rule.destination) renamed.destination = renameEntity(rule.destination, renames);
  return renamed;
}

/** Endpoint and namespace selectors; service-account selectors name accounts, not namespaces. */
function renameEntity(entity: CalicoEntityRule, renames: CalicoRenames): CalicoEntityRule {
  const renamed = { ...entity };
  for (const field of ['selector', 'notSelector', 'namespaceSelector'] as const) {
    const text = entity[field];
    if (text !== undefined) renamed[field] = renameValues(text, renames);
  }
  return renamed;
}

/** The selector with recipe namespace names replaced by deployed ones; as written when none is named. */
function renameValues(text: string, renames: CalicoRenames): string {
  let changed = false;
  const rename = (value: string): string => {
    const deployed = renames.namespace(value);
    if (deployed !== value) changed = true;
    return deployed;
  };
  const root = mapSelector(parseSelector(text).root, (node): SelectorNode | undefined => {
    if (!('key' in node) || !NAMESPACE_NAME_KEYS.includes(node.key)) return undefined;
    if ('value' in node && (node.op === '==' || node.op === '!=')) return { ...node, value: rename(node.value) };
    if ('values' in node) return { ...node, values: node.values.map(rename).sort() };
    return undefined;
  });
  return changed ? selectorText(root) : text;
}
