// Flow endpoints resolved against the Model: the pod (with its namespace's labels) or external host.
import { InputError } from '../errors.ts';
import type { ExternalHost, IpFamily, Labels, Model, PodSpec } from '../model/types.ts';
import { podString } from '../model/types.ts';
import { addressOfFamily } from './cidr.ts';
import type { Endpoint } from './types.ts';

export type ResolvedEndpoint =
  | { kind: 'pod'; name: string; pod: PodSpec; namespaceLabels: Labels; ip?: string }
  | { kind: 'external'; name: string; host: ExternalHost; ip?: string };

/** `ip` is the endpoint's address in the flow's family (see Flow.family). */
export function resolveEndpoint(model: Model, endpoint: Endpoint, family?: IpFamily): ResolvedEndpoint {
  if ('pod' in endpoint) {
    const pod = model.pods.find((p) => podString(p.namespace, p.name) === endpoint.pod);
    if (!pod) throw new InputError(`flow names pod ${endpoint.pod}, which is not in the model`);
    return { kind: 'pod', name: endpoint.pod, pod, namespaceLabels: namespaceLabels(model, pod.namespace), ip: addressOfFamily(pod, family) };
  }
  const host = model.externals.find((h) => h.name === endpoint.external);
  if (!host) throw new InputError(`flow names external host ${endpoint.external}, which is not in the model`);
  return { kind: 'external', name: host.name, host, ip: addressOfFamily(host, family) };
}

/** The API server always sets kubernetes.io/metadata.name, so a selector on it works even if the model omits it. */
export function namespaceLabels(model: Model, namespace: string): Labels {
  const declared = model.namespaces.find((ns) => ns.name === namespace)?.labels ?? {};
  return { ...declared, 'kubernetes.io/metadata.name': namespace };
}
