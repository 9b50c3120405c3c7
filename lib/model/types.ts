// The domain vocabulary shared by every layer (see docs/architecture.md).
// These are plain data types: no behaviour, no I/O.
import type { CalicoResource } from './calico.ts';

/** "namespace/pod" */
export type PodString = `${string}/${string}`;

export type Labels = Record<string, string>;

/** L4 protocols NetworkPolicy ports can name. */
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

/** What a probe does on the wire. `http` is a GET over TCP; `icmp` an echo request. */
export type ProbeProtocol = 'tcp' | 'udp' | 'http' | 'icmp';

/** An IP address family, spelled as Kubernetes spells it (Service.spec.ipFamilies). */
export type IpFamily = 'IPv4' | 'IPv6';

export const ipFamilies: readonly IpFamily[] = ['IPv4', 'IPv6'];

/** The outcome of one connection attempt. An infrastructure error is `check-failed`, never `blocked`. */
export type Connectivity = 'allowed' | 'blocked' | 'check-failed';

export interface NamespaceSpec {
  name: string;
  labels: Labels;
}

export interface ContainerPort {
  /** IANA_SVC_NAME, as in a container's `ports[].name` */
  name?: string;
  port: number;
  protocol: PortProtocol;
}

export interface PodSpec {
  namespace: string;
  name: string;
  labels: Labels;
  /** Pod IP (status.podIP); optional for pure evaluation unless an ipBlock needs it. */
  ip?: string;
  /** Every address of a dual-stack pod (status.podIPs), one per family; absent: just `ip`. */
  ips?: string[];
  ports: ContainerPort[];
  /** spec.serviceAccountName; Calico selectors can match it and its labels. */
  serviceAccount?: string;
}

/** A ServiceAccount; Calico lets policies select pods by their service account's name and labels. */
export interface ServiceAccountSpec {
  namespace: string;
  name: string;
  labels: Labels;
}

/** A host outside the cluster (created by the provider for the external-traffic recipes). */
export interface ExternalHost {
  name: string;
  ip?: string;
  /** Every address of a dual-stack host, one per family; absent: just `ip`. */
  ips?: string[];
}

/** Namespaces -> pods -> served ports, plus hosts outside the cluster. */
export interface Model {
  namespaces: NamespaceSpec[];
  pods: PodSpec[];
  externals: ExternalHost[];
  /** Only needed when a pod names one whose labels a Calico selector reads. */
  serviceAccounts?: ServiceAccountSpec[];
}

// ---- Kubernetes networking.k8s.io/v1 NetworkPolicy, as plain data ----

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyPort {
  protocol?: PortProtocol;
  port?: number | string;
  endPort?: number;
}

export interface NetworkPolicyIngressRule {
  ports?: NetworkPolicyPort[];
  from?: NetworkPolicyPeer[];
}

export interface NetworkPolicyEgressRule {
  ports?: NetworkPolicyPort[];
  to?: NetworkPolicyPeer[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: PolicyType[];
  ingress?: NetworkPolicyIngressRule[];
  egress?: NetworkPolicyEgressRule[];
}

export interface NetworkPolicy {
  apiVersion: 'networking.k8s.io/v1';
  kind: 'NetworkPolicy';
  metadata: { name: string; namespace: string; labels?: Labels; annotations?: Record<string, string> };
  spec: NetworkPolicySpec;
}

/**
 * What the oracle evaluates and a recipe applies: Kubernetes NetworkPolicies and Calico's own
 * resources (tiers, Calico and global network policies, staged policies), in one list.
 */
export type PolicyResource = NetworkPolicy | CalicoResource;

export function isKubernetesNetworkPolicy(resource: PolicyResource): resource is NetworkPolicy {
  return resource.apiVersion === 'networking.k8s.io/v1';
}

/** The namespace of a namespaced resource; undefined for tiers and global policies. */
export function namespaceOf(resource: PolicyResource): string | undefined {
  return 'namespace' in resource.metadata ? resource.metadata.namespace : undefined;
}

export function podString(namespace: string, name: string): PodString {
  return `${namespace}/${name}`;
}
