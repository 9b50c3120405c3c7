// The labels a pod's workload endpoint carries in felix, which Calico selectors match:
// - the pod's own labels plus projectcalico.org/namespace, projectcalico.org/orchestrator=k8s and
//   projectcalico.org/serviceaccount (libcalico-go/lib/backend/k8s/conversion/
//   workload_endpoint_default.go; api LabelNamespace, LabelOrchestrator, LabelServiceAccount);
// - the labels its profiles apply: the namespace's labels prefixed "pcns." plus
//   pcns.projectcalico.org/name=<namespace> (conversion.go NamespaceToProfile), and the service
//   account's labels prefixed "pcsa." plus pcsa.projectcalico.org/name=<account>
//   (ServiceAccountToProfile). The endpoint's own labels win over inherited ones.
// Namespace and service-account selectors are matched by prefixing their label names the same way
// (updateprocessors/rules.go, parseSelectorAttachPrefix), so one label map answers every selector.
import type { Labels, PodSpec } from '../../model/types.ts';

export const NAMESPACE_LABEL = 'projectcalico.org/namespace';
export const ORCHESTRATOR_LABEL = 'projectcalico.org/orchestrator';
export const SERVICE_ACCOUNT_LABEL = 'projectcalico.org/serviceaccount';
/** conversion.NameLabel: set on the namespace and service-account profiles. */
export const NAME_LABEL = 'projectcalico.org/name';
export const NAMESPACE_PREFIX = 'pcns.';
export const SERVICE_ACCOUNT_PREFIX = 'pcsa.';

export function calicoEndpointLabels(pod: PodSpec, namespaceLabels: Labels, serviceAccountLabels: Labels | undefined): Labels {
  const labels: Labels = {};
  for (const [key, value] of Object.entries(namespaceLabels)) labels[NAMESPACE_PREFIX + key] = value;
  labels[NAMESPACE_PREFIX + NAME_LABEL] = pod.namespace;
  if (pod.serviceAccount !== undefined) {
    for (const [key, value] of Object.entries(serviceAccountLabels ?? {})) labels[SERVICE_ACCOUNT_PREFIX + key] = value;
    labels[SERVICE_ACCOUNT_PREFIX + NAME_LABEL] = pod.serviceAccount;
  }
  Object.assign(labels, pod.labels);
  labels[NAMESPACE_LABEL] = pod.namespace;
  labels[ORCHESTRATOR_LABEL] = 'k8s';
  if (pod.serviceAccount !== undefined) labels[SERVICE_ACCOUNT_LABEL] = pod.serviceAccount;
  return labels;
}
