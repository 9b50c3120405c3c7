// Flow endpoints resolved against the Model: the pod (with its namespace's labels) or external host.
// An EndpointTable resolves every endpoint of a model once, numbered, so per-endpoint answers
// (which policies select it, which rule peers match it) can be cached in arrays. A dual-stack
// endpoint is resolved once per family: its twin carries the other family's address (and its own
// number), so address matches (ipBlock, nets) are judged and cached per family.
import { InputError } from '../errors.ts';
import type { ExternalHost, IpFamily, Labels, Model, PodSpec } from '../model/types.ts';
import { podString } from '../model/types.ts';
import { calicoEndpointLabels } from './calico/endpoint-labels.ts';
import { addressOfFamily, parseIp, type IpAddress } from './cidr.ts';
import type { Endpoint } from './types.ts';

interface Resolved {
  /** Position in the EndpointTable; stable for one table. */
  index: number;
  name: string;
  ip?: string;
  /** `ip`, parsed; absent when the model gives none (or it is not an address). */
  address?: IpAddress;
}

const versionOf: Record<IpFamily, 4 | 6> = { IPv4: 4, IPv6: 6 };

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
  /** Every endpoint once, with its primary address (`ip`). */
  readonly endpoints: ResolvedEndpoint[] = [];
  private readonly byName = new Map<string, ResolvedEndpoint>();
  /** "<name> <family>" -> the endpoint with its address of that family, where `ip` is of another. */
  private readonly twins = new Map<string, ResolvedEndpoint>();
  private numbered = 0;

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
    // Twins of dual-stack endpoints, numbered after them: cached like the endpoints themselves.
    for (const endpoint of [...this.endpoints]) {
      const spec = endpoint.kind === 'pod' ? endpoint.pod : endpoint.host;
      for (const ip of spec.ips ?? []) {
        const twin = address(ip);
        if (twin.address && twin.address.family !== endpoint.address?.family) this.twin(endpoint, twin);
      }
    }
  }

  /** How many endpoints and twins are numbered: the size of a per-endpoint cache. */
  get size(): number {
    return this.numbered;
  }

  private add(endpoint: ResolvedEndpoint): void {
    endpoint.index = this.numbered++;
    this.endpoints.push(endpoint);
    this.byName.set(endpoint.name, endpoint);
  }

  private twin(endpoint: ResolvedEndpoint, at: { ip?: string; address?: IpAddress }, family?: IpFamily): ResolvedEndpoint {
    const twin: ResolvedEndpoint = { ...endpoint, index: this.numbered++, ...at };
    if (!at.address) {
      delete twin.ip;
      delete twin.address;
    }
    this.twins.set(`${endpoint.name} ${family ?? (at.address?.family === 6 ? 'IPv6' : 'IPv4')}`, twin);
    return twin;
  }

  /** The endpoint as a flow of `family` sees it: with its address of that family, or none. */
  resolve(endpoint: Endpoint, family?: IpFamily): ResolvedEndpoint {
    const name = 'pod' in endpoint ? endpoint.pod : endpoint.external;
    const found = this.byName.get(name);
    if (!found || ('pod' in endpoint ? found.kind !== 'pod' : found.kind !== 'external')) {
      throw new InputError('pod' in endpoint ? `flow names pod ${name}, which is not in the model` : `flow names external host ${name}, which is not in the model`);
    }
    if (family === undefined || !found.address || found.address.family === versionOf[family]) return found;
    const twin = this.twins.get(`${name} ${family}`);
    if (twin) return twin;
    // No address of that family: a twin without one (numbered past the caches, so judged each time).
    const spec = found.kind === 'pod' ? found.pod : found.host;
    return this.twin(found, address(addressOfFamily(spec, family)), family);
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
