// Which policies isolate a pod, per direction, with the API server's policyTypes defaulting.
import type { NetworkPolicy, PodSpec, PolicyType } from '../model/types.ts';
import { selectorMatches } from './selector.ts';

export function policyId(policy: NetworkPolicy): string {
  return `${policy.metadata.namespace}/${policy.metadata.name}`;
}

/**
 * spec.policyTypes, or the API server's default when it is absent or empty: Ingress always,
 * plus Egress when spec.egress has at least one rule (`egress: []` does not add it).
 */
export function effectivePolicyTypes(policy: NetworkPolicy): PolicyType[] {
  const declared = policy.spec.policyTypes ?? [];
  if (declared.length > 0) return declared;
  return (policy.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** A policy selects pods of its own namespace only. */
export function policySelectsPod(policy: NetworkPolicy, pod: PodSpec): boolean {
  return policy.metadata.namespace === pod.namespace && selectorMatches(policy.spec.podSelector, pod.labels);
}

/** The policies that isolate `pod` for `type`, in input order. */
export function isolatingPolicies(policies: NetworkPolicy[], pod: PodSpec, type: PolicyType): NetworkPolicy[] {
  return policies.filter((p) => policySelectsPod(p, pod) && effectivePolicyTypes(p).includes(type));
}
