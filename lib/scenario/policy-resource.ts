// One entry of a scenario's or recipe's `policies` list: a Kubernetes NetworkPolicy or a Calico
// resource (Tier, NetworkPolicy, GlobalNetworkPolicy, staged policies), told apart by apiVersion.
import { excerpt } from '../errors.ts';
import type { CalicoApiVersion } from '../model/calico.ts';
import type { PolicyResource } from '../model/types.ts';
import { CALICO_API_VERSIONS, validateCalicoResource } from './calico-policy.ts';
import { isAbsent, readObject, readString, required } from './fields.ts';
import { Location } from './location.ts';
import { validateNetworkPolicy, type NetworkPolicyOptions } from './network-policy.ts';

const KUBERNETES_API_VERSION = 'networking.k8s.io/v1';

export function validatePolicyResource(value: unknown, at: Location | string, options: NetworkPolicyOptions = {}): PolicyResource {
  const here = Location.of(at);
  const object = readObject(value, here, ['apiVersion', 'kind', 'metadata', 'spec']);
  const apiVersion = isAbsent(object.apiVersion) ? undefined : readString(object.apiVersion, here.key('apiVersion'));
  if (apiVersion !== undefined && (CALICO_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    return validateCalicoResource(value, here, apiVersion as CalicoApiVersion);
  }
  if (apiVersion !== KUBERNETES_API_VERSION) {
    required(object, 'apiVersion', here);
    here.key('apiVersion').fail(
      `must be "${KUBERNETES_API_VERSION}" (NetworkPolicy) or "projectcalico.org/v3" (Tier, NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy), got ${excerpt(apiVersion)}`,
    );
  }
  return validateNetworkPolicy(value, here, options);
}
