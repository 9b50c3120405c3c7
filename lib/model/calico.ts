// Calico's own policy resources (projectcalico.org/v3), as plain data: Tier, NetworkPolicy,
// GlobalNetworkPolicy and their staged forms. Field names follow the Calico API
// (api/pkg/apis/projectcalico/v3: policy_common.go, networkpolicy.go, globalnetworkpolicy.go,
// tier.go). Only the fields the harness validates and the oracle understands are here.
import type { Labels } from './types.ts';

/** The documented API group, or the CRD group felix reads when no Calico API server runs. */
export type CalicoApiVersion = 'projectcalico.org/v3' | 'crd.projectcalico.org/v1';

/** Allow and Deny decide; Pass skips the rest of the tier; Log logs and goes on to the next rule. */
export type CalicoAction = 'Allow' | 'Deny' | 'Pass' | 'Log';

/** A protocol name Calico accepts, or an IP protocol number 1-255. */
export type CalicoProtocol = 'TCP' | 'UDP' | 'ICMP' | 'ICMPv6' | 'SCTP' | 'UDPLite' | number;

/** A port (80), a range ("8000:8080") or a named port ("http"). */
export type CalicoPort = number | string;

export interface CalicoIcmpMatch {
  type?: number;
  code?: number;
}

export interface CalicoServiceAccountMatch {
  names?: string[];
  selector?: string;
}

/** One side (source or destination) of a rule; every field given must match (AND). */
export interface CalicoEntityRule {
  nets?: string[];
  notNets?: string[];
  selector?: string;
  notSelector?: string;
  namespaceSelector?: string;
  ports?: CalicoPort[];
  notPorts?: CalicoPort[];
  serviceAccounts?: CalicoServiceAccountMatch;
}

export interface CalicoRule {
  action: CalicoAction;
  protocol?: CalicoProtocol;
  notProtocol?: CalicoProtocol;
  ipVersion?: 4 | 6;
  icmp?: CalicoIcmpMatch;
  notICMP?: CalicoIcmpMatch;
  source?: CalicoEntityRule;
  destination?: CalicoEntityRule;
  metadata?: { annotations?: Record<string, string> };
}

export type CalicoPolicyType = 'Ingress' | 'Egress';

export interface CalicoPolicySpec {
  /** Absent means the default tier. */
  tier?: string;
  /** Absent means last (felix sorts a missing order as +Inf). */
  order?: number;
  selector?: string;
  /** GlobalNetworkPolicy only: the namespaces whose pods it selects. */
  namespaceSelector?: string;
  serviceAccountSelector?: string;
  /** Filled in by validation as Calico's client defaults it (see lib/scenario/calico-policy.ts). */
  types?: CalicoPolicyType[];
  ingress?: CalicoRule[];
  egress?: CalicoRule[];
  performanceHints?: string[];
  /** Staged kinds only. */
  stagedAction?: 'Set' | 'Delete';
}

export type CalicoPolicyKind = 'NetworkPolicy' | 'GlobalNetworkPolicy' | 'StagedNetworkPolicy' | 'StagedGlobalNetworkPolicy';

export interface CalicoPolicy {
  apiVersion: CalicoApiVersion;
  kind: CalicoPolicyKind;
  /** `namespace` for the namespaced kinds only. */
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string> };
  spec: CalicoPolicySpec;
}

export interface CalicoTier {
  apiVersion: CalicoApiVersion;
  kind: 'Tier';
  metadata: { name: string; labels?: Labels; annotations?: Record<string, string> };
  spec: {
    /** Absent sorts the tier after every tier that has one. */
    order?: number;
    /** What happens to traffic no policy of the tier decided; Deny when absent. */
    defaultAction?: 'Deny' | 'Pass';
  };
}

export type CalicoResource = CalicoPolicy | CalicoTier;

export function isCalicoTier(resource: { kind: string }): resource is CalicoTier {
  return resource.kind === 'Tier';
}

export function isStagedKind(kind: string): boolean {
  return kind.startsWith('Staged');
}

export function isGlobalKind(kind: string): boolean {
  return kind === 'GlobalNetworkPolicy' || kind === 'StagedGlobalNetworkPolicy';
}
