// Kubernetes NetworkPolicies: which pods they isolate, per direction, with the API server's
// policyTypes defaulting, and their rules in the oracle's compiled form.
import type { NetworkPolicy, PodSpec, PolicyType } from '../model/types.ts';
import { endpointMemo, type CompiledPolicy, type CompiledRule, type FlowContext } from './compiled.ts';
import type { ResolvedEndpoint } from './endpoint.ts';
import { peersMatch } from './peers.ts';
import { portsMatch } from './ports.ts';
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

/** Order Calico gives every Kubernetes NetworkPolicy (conversion.go K8sNetworkPolicyToCalico). */
export const KUBERNETES_POLICY_ORDER = 1000;

export function compileKubernetesPolicy(policy: NetworkPolicy, endpointCount: number): CompiledPolicy {
  const types = effectivePolicyTypes(policy);
  const namespace = policy.metadata.namespace;
  const destinationPod = (flow: FlowContext): PodSpec | undefined => (flow.destination.kind === 'pod' ? flow.destination.pod : undefined);
  const ingress: CompiledRule[] = (policy.spec.ingress ?? []).map((rule, index) => {
    const peer = endpointMemo(endpointCount, (endpoint) => peersMatch(rule.from, namespace, endpoint));
    return { index, action: 'Allow', matches: (flow) => peer(flow.source) && portsMatch(rule.ports, flow.protocol, flow.port, destinationPod(flow)) };
  });
  const egress: CompiledRule[] = (policy.spec.egress ?? []).map((rule, index) => {
    const peer = endpointMemo(endpointCount, (endpoint) => peersMatch(rule.to, namespace, endpoint));
    return { index, action: 'Allow', matches: (flow) => peer(flow.destination) && portsMatch(rule.ports, flow.protocol, flow.port, destinationPod(flow)) };
  });
  const selects = endpointMemo(endpointCount, (endpoint: ResolvedEndpoint) => endpoint.kind === 'pod' && policySelectsPod(policy, endpoint.pod));
  return {
    id: policyId(policy),
    label: policyId(policy),
    kind: 'KubernetesNetworkPolicy',
    name: policy.metadata.name,
    namespace,
    tier: 'default',
    order: KUBERNETES_POLICY_ORDER,
    applies: { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
    selects,
    rules: { ingress, egress },
  };
}
