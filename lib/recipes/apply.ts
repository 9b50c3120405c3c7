// What the run engine sends to the API server for a planned recipe, and how it names the policies
// to the counters.
import type { PolicyRef } from '../counters/index.ts';
import { isCalicoTier, isGlobalKind, isStagedKind } from '../model/calico.ts';
import type { PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy } from '../model/types.ts';
import type { RecipePlan } from './types.ts';

/** The group Calico's CRDs serve when no Calico API server runs (the netns and kind providers). */
export const CALICO_CRD_API_VERSION = 'crd.projectcalico.org/v1';

/**
 * The object to apply. Calico resources are written as projectcalico.org/v3 in recipes and sent as
 * crd.projectcalico.org/v1, whose spec is the same (libcalico-go/config/crd is generated from the
 * v3 types); felix reads that group directly (libcalico-go/lib/backend/k8s/resources).
 */
export function appliedObject(resource: PolicyResource): PolicyResource | (Omit<PolicyResource, 'apiVersion'> & { apiVersion: string }) {
  return isKubernetesNetworkPolicy(resource) ? resource : { ...resource, apiVersion: CALICO_CRD_API_VERSION };
}

/**
 * The policies felix renders into chains, named for lib/counters (tier and kind pick felix's
 * chain-name scheme). Tiers have no chain; staged policies are never rendered.
 */
export function policyRefs(plan: Pick<RecipePlan, 'policies'>): PolicyRef[] {
  const refs: PolicyRef[] = [];
  for (const policy of plan.policies) {
    if (isKubernetesNetworkPolicy(policy)) {
      refs.push({ namespace: policy.metadata.namespace, name: policy.metadata.name, tier: 'default', kind: 'KubernetesNetworkPolicy' });
    } else if (!isCalicoTier(policy) && !isStagedKind(policy.kind)) {
      const global = isGlobalKind(policy.kind);
      refs.push({
        namespace: global ? '' : (policy.metadata.namespace ?? ''),
        name: policy.metadata.name,
        tier: policy.spec.tier ?? 'default',
        kind: global ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
      });
    }
  }
  return refs;
}
