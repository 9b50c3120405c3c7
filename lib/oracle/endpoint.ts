// Flow endpoints resolved against the Model: the pod (with its namespace's labels) or external host.
// An EndpointTable resolves every endpoint of a model once, numbered, so per-endpoint answers
// (which policies select it, which rule peers match it) can be cached in arrays.
import { InputError } from '../errors.ts';
import type { ExternalHost, Labels, Model, PodSpec } from '../model/types.ts';
import { podString } from '../model/types.ts';
import { calicoEndpointLabels } from './calico/endpoint-labels.ts';
import { parseIp, type IpAddress } from './cidr.ts';
import type { Endpoint } from './types.ts';

interface Resolved {
  /** Position in the EndpointTable; stable for one table. */
  index: number;
  name: string;
  ip?: string;
  /** `ip`, parsed; absent when the model gives none (or it is not an address). */
  address?: IpAddress;
}

export type ResolvedEndpoint =
  | (Resolved & {
      kind: 'pod';
      pod: PodSpec;
      namespaceLabels: Labels;
      /** The labels Calico selectors see: the pod's own plus those felix adds (see calico/endpoint-labels.ts). */
      calicoLabels: Labels;
    })
  | (Resolved & { kind: 'external'; host: ExternalHost });

export class EndpointTable {
  readonly endpoints: ResolvedEndpoint[] = [];
  private readonly byName = new Map<string, ResolvedEndpoint>();

  constructor(readonly model: Model) {
    const namespaceLabelsOf = new Map(model.namespaces.map((ns) => [ns.name, namespaceLabels(model, ns.name)]));
    const accountLabels = new Map((model.serviceAccounts ?? []).map((sa) => [`${sa.namespace}/${sa.name}`, sa.labels]));
    for (const pod of model.pods) {
      const name = podString(pod.namespace, pod.name);
      const nsLabels = namespaceLabelsOf.get(pod.namespace) ?? namespaceLabels(model, pod.namespace);
      const saLabels = pod.serviceAccount === undefined ? undefined : (accountLabels.get(`${pod.namespace}/${pod.serviceAccount}`) ?? {});
      this.add({ kind: 'pod', index: 0, name, pod, namespaceLabels: nsLabels, calicoLabels: calicoEndpointLabels(pod, nsLabels, saLabels), ...address(pod.ip) });
    }
    for (const host of model.externals) this.add({ kind: 'external', index: 0, name: host.name, host, ...address(host.ip) });
  }

  private add(endpoint: ResolvedEndpoint): void {
    endpoint.index = this.endpoints.length;
    this.endpoints.push(endpoint);
    this.byName.set(endpoint.name, endpoint);
  }

  resolve(endpoint: Endpoint): ResolvedEndpoint {
    const name = 'pod' in endpoint ? endpoint.pod : endpoint.external;
    const found = this.byName.get(name);
    if (!found || ('pod' in endpoint ? found.kind !== 'pod' : found.kind !== 'external')) {
      throw new InputError('pod' in endpoint ? `flow names pod ${name}, which is not in the model` : `flow names external host ${name}, which is not in the model`);
    }
    return found;
  }
}

function address(ip: string | undefined): { ip?: string; address?: IpAddress } {
  if (ip === undefined) return {};
  const parsed = parseIp(ip);
  return parsed ? { ip, address: parsed } : { ip };
}

/** The API server always sets kubernetes.io/metadata.name, so a selector on it works even if the model omits it. */
export function namespaceLabels(model: Model, namespace: string): Labels {
  const declared = model.namespaces.find((ns) => ns.name === namespace)?.labels ?? {};
  return { ...declared, 'kubernetes.io/metadata.name': namespace };
}
