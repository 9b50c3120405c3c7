// Every policy resource of one evaluation, compiled and ordered the way felix orders them
// (felix/calc/policy_sorter.go):
// - tiers by order, a tier without an order after every tier with one, equal orders by name
//   (TierLess); a tier nothing declares is sorted last (felix marks it invalid);
// - within a tier, policies by order, a missing order last (+Inf), equal orders by
//   "<name>/<namespace>/<kind>" (PolKVLess, v3.32; v3.31 broke ties by the policy's key name);
// - Kubernetes NetworkPolicies are in tier "default" with order 1000 (K8sNetworkPolicyToCalico);
// - staged policies are never enforced: felix skips them when rendering (felix/rules/endpoints.go
//   "Skip programming inlined staged policy"), so they are left out here.
import type { CalicoTier } from '../model/calico.ts';
import { isCalicoTier, isStagedKind } from '../model/calico.ts';
import type { PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy } from '../model/types.ts';
import { compileCalicoPolicy } from './calico/policy.ts';
import type { CompiledPolicy } from './compiled.ts';
import type { EndpointTable, ResolvedEndpoint } from './endpoint.ts';
import { compileKubernetesPolicy } from './policy.ts';
import type { Direction, SideDecision } from './types.ts';

export interface TierInfo {
  name: string;
  /** Absent: sorted after every tier with an order. */
  order?: number;
  defaultAction: 'Deny' | 'Pass';
  /** False for a tier a policy names but no Tier resource declares. */
  declared: boolean;
}

/** The tier felix always has (libcalico-go clientv3 EnsureInitialized; api DefaultTierOrder). */
export const DEFAULT_TIER: TierInfo = { name: 'default', order: 1_000_000, defaultAction: 'Deny', declared: true };

/** One tier's policies that select an endpoint in one direction, in evaluation order. */
export interface ApplyingTier {
  tier: TierInfo;
  policies: CompiledPolicy[];
  /** What the tier does when none of its policies decided: its default action. */
  undecided: SideDecision;
  /** The policies' labels joined, for sentences; filled in when first needed. */
  labels?: string;
}

export interface Applying {
  tiers: ApplyingTier[];
  /** Ids of every policy in `tiers`, in order. */
  policyIds: string[];
}

export class PolicySet {
  readonly policies: CompiledPolicy[];
  readonly tiers: Map<string, TierInfo>;
  /** True when any resource is Calico's own: reasons then name tiers. */
  readonly calico: boolean;
  private readonly applying: Record<Direction, (Applying | undefined)[]>;
  private readonly byNamespace = new Map<string, CompiledPolicy[]>();
  private readonly global: CompiledPolicy[] = [];
  private readonly undecided = new Map<string, SideDecision>();

  constructor(
    readonly table: EndpointTable,
    resources: readonly PolicyResource[],
  ) {
    const count = table.size;
    this.tiers = new Map([[DEFAULT_TIER.name, DEFAULT_TIER]]);
    const compiled: CompiledPolicy[] = [];
    let calico = false;
    for (const resource of resources) {
      if (isKubernetesNetworkPolicy(resource)) {
        compiled.push(compileKubernetesPolicy(resource, count));
        continue;
      }
      calico = true;
      if (isCalicoTier(resource)) this.tiers.set(resource.metadata.name, tierInfo(resource));
      else if (!isStagedKind(resource.kind)) compiled.push(compileCalicoPolicy(resource, count));
    }
    this.calico = calico;
    for (const policy of compiled) {
      if (!this.tiers.has(policy.tier)) this.tiers.set(policy.tier, { name: policy.tier, defaultAction: 'Deny', declared: false });
    }
    this.policies = compiled.sort(comparePolicies);
    for (const policy of this.policies) {
      for (const direction of ['ingress', 'egress'] as const) {
        for (const rule of policy.rules[direction]) {
          const ref = { policy: policy.id, direction, rule: rule.index, tier: policy.tier };
          rule.ref = ref;
          if (rule.action === 'Allow' || rule.action === 'Deny') rule.decision = { kind: 'rule', action: rule.action, rule: ref };
          else if (rule.action === 'Pass') rule.decision = { kind: 'passed', tier: policy.tier, rule: ref };
        }
      }
    }
    for (const policy of this.policies) {
      if (policy.namespace === undefined || policy.kind === 'GlobalNetworkPolicy') {
        this.global.push(policy);
      } else {
        const list = this.byNamespace.get(policy.namespace) ?? [];
        list.push(policy);
        this.byNamespace.set(policy.namespace, list);
      }
    }
    this.applying = { ingress: new Array<Applying | undefined>(count), egress: new Array<Applying | undefined>(count) };
  }

  /** The tiers (in order) whose policies select `endpoint` for `direction`; none for external hosts. */
  applyingTo(endpoint: ResolvedEndpoint, direction: Direction): Applying {
    const cached = this.applying[direction][endpoint.index];
    if (cached) return cached;
    const result: Applying = { tiers: [], policyIds: [] };
    if (endpoint.kind === 'pod') {
      const candidates = [...(this.byNamespace.get(endpoint.pod.namespace) ?? []), ...this.global];
      const selected = candidates.filter((p) => p.applies[direction] && p.selects(endpoint)).sort(comparePolicies);
      const byTier = new Map<string, CompiledPolicy[]>();
      for (const policy of selected) {
        const list = byTier.get(policy.tier) ?? [];
        list.push(policy);
        byTier.set(policy.tier, list);
      }
      result.tiers = [...byTier].map(([name, policies]) => ({ tier: this.tiers.get(name)!, policies, undecided: this.undecidedIn(name) })).sort((a, b) => compareTiers(a.tier, b.tier));
      result.policyIds = result.tiers.flatMap((t) => t.policies.map((p) => p.id));
    }
    this.applying[direction][endpoint.index] = result;
    return result;
  }

  private undecidedIn(name: string): SideDecision {
    let decision = this.undecided.get(name);
    if (!decision) {
      decision = this.tiers.get(name)!.defaultAction === 'Pass' ? { kind: 'passed', tier: name } : { kind: 'end-of-tier', tier: name };
      this.undecided.set(name, decision);
    }
    return decision;
  }

}

function tierInfo(tier: CalicoTier): TierInfo {
  return {
    name: tier.metadata.name,
    ...(tier.spec.order !== undefined ? { order: tier.spec.order } : {}),
    defaultAction: tier.spec.defaultAction ?? 'Deny',
    declared: true,
  };
}

/** policy_sorter.go TierLess. */
export function compareTiers(a: TierInfo, b: TierInfo): number {
  if (a.declared !== b.declared) return a.declared ? -1 : 1;
  if (a.order === undefined && b.order !== undefined) return 1;
  if (a.order !== undefined && b.order === undefined) return -1;
  if (a.order === b.order) return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  return a.order! - b.order!;
}

/** policy_sorter.go PolKVLess (v3.32); tiers are compared first by the caller's grouping. */
export function comparePolicies(a: CompiledPolicy, b: CompiledPolicy): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  const ka = `${a.name}/${a.namespace ?? ''}/${a.kind}`;
  const kb = `${b.name}/${b.namespace ?? ''}/${b.kind}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
