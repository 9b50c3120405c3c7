// The small surface every cluster backend gives the run engine (see docs/architecture.md).
// `kind` and `netns` implement it; nothing above this layer knows which one it talks to.
import type { ContainerPort, IpFamily, Labels, PodString } from '../model/types.ts';

export type ProviderName = 'netns' | 'kind';

/** iptables backend felix programs, or Calico's nftables mode. */
export type Dataplane = 'iptables-nft' | 'iptables-legacy' | 'nftables';

export interface ClusterOptions {
  /** Run id: prefixes every resource the cluster creates, so `clean` can find leftovers. */
  runId: string;
  calicoVersion: string;
  dataplane: Dataplane;
  /** Extra felix settings (FelixConfiguration field names, e.g. {DefaultEndpointToHostAction: 'Accept'}). */
  felixSettings?: Record<string, string>;
  /**
   * The address families pods get: ['IPv4'] (single-stack) or ['IPv4', 'IPv6'] (dual-stack).
   * Absent: the provider's default (netns: dual-stack; kind: IPv4).
   */
  ipFamilies?: readonly IpFamily[];
  /** Where logs and artifacts of the cluster go. */
  workDir: string;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface ExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** True when the command was killed by the timeout. */
  timedOut: boolean;
}

/** Commands run one after another in one place, for frequent short ones (counter reads). */
export interface CommandSession extends AsyncDisposable {
  run(argv: string[], options: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
}

/** A fixture pod: what to run and where. `serve` lists the ports a server answers on. */
export interface FixturePod {
  namespace: string;
  name: string;
  labels: Labels;
  /** Node to place the pod on; the provider picks one when absent. */
  node?: string;
  /** Ports the pod serves; HTTP ports answer GET / with 200, the others accept TCP/UDP. */
  serve: (ContainerPort & { http?: boolean })[];
  /** spec.serviceAccountName; the ServiceAccount must exist (the run engine creates it). */
  serviceAccount?: string;
}

export interface DeployedPod {
  pod: PodString;
  node: string;
  /** status.podIP: the address of the cluster's first family. */
  ip: string;
  /** status.podIPs: one address per family of the cluster (absent: just `ip`). */
  ips?: string[];
}

export interface ExternalHostHandle {
  name: string;
  ip: string;
  /** One address per family of the cluster (absent: just `ip`). */
  ips?: string[];
}

export interface ClusterVersions {
  kubernetes: string;
  calico: string;
  felix: string;
  /** The dataplane actually in use, read from the cluster (not from options). */
  dataplane: Dataplane;
  /** What the cluster was made from, for the report (images and their IDs, the manifest, any
   * change the harness made to what a user would install). */
  environment?: ClusterEnvironment;
}

export interface ClusterEnvironment {
  /** Where images came from: built locally by `netpol-conformance images`, or a registry. */
  images?: 'local' | 'registry';
  /** Image references and their local IDs (sha256:...). */
  imageIds?: Record<string, string>;
  /** The Calico manifest applied (file and sha256). */
  calicoManifest?: { file: string; sha256: string };
  /** Every deviation from what a user installing the pinned parts would get, with the reason. */
  changes?: string[];
}

export interface Cluster extends AsyncDisposable {
  readonly provider: ProviderName;
  readonly runId: string;
  readonly kubeconfigPath: string;
  readonly nodes: readonly string[];
  /**
   * Nodes fixture pods may be placed on. When present, the run engine spreads each recipe's
   * pods over them in order, so where a pod lands does not depend on which recipes run beside
   * it (and a probe crosses the same nodes in every run). Absent: the provider places pods.
   */
  readonly workloadNodes?: readonly string[];
  /** The address families pods and external hosts have, first = status.podIP's (absent: IPv4 only). */
  readonly ipFamilies?: readonly IpFamily[];
  versions(): Promise<ClusterVersions>;
  createNamespace(name: string, labels: Labels): Promise<void>;
  deleteNamespace(name: string): Promise<void>;
  deployPod(pod: FixturePod): Promise<DeployedPod>;
  deletePod(pod: PodString): Promise<void>;
  /** Run argv in the pod's network context (netns: `ip netns exec`; kind: the pod exec API). */
  execInPod(pod: PodString, argv: string[], options: ExecOptions): Promise<ExecResult>;
  /** Run argv on a node (for `iptables-save -c` / `nft -j list ruleset`). */
  execOnNode(node: string, argv: string[], options: ExecOptions): Promise<ExecResult>;
  /**
   * A session on a node for the run's frequent counter reads: the same as execOnNode, cheaper
   * per command where the provider can keep something running (netns keeps a shell in the
   * node's namespace). Closed by the caller, and by destroy().
   */
  openNodeSession(node: string): CommandSession;
  /** A host outside the cluster that pods can reach and that can reach pods. */
  createExternalHost(name: string, serve: (ContainerPort & { http?: boolean })[]): Promise<ExternalHostHandle>;
  execInExternalHost(name: string, argv: string[], options: ExecOptions): Promise<ExecResult>;
  /** Remove an external host before the cluster goes (a recipe done with it); a missing one is not an error. */
  deleteExternalHost(name: string): Promise<void>;
  /** A shell command a person can paste to run argv the way execInPod does. */
  reproduceInPod(pod: PodString, argv: string[]): string;
  /** Copy the cluster's own logs (nodes, kubelet, containers) into dir; kind implements it. */
  exportLogs?(dir: string): Promise<string>;
  /**
   * What went wrong with the cluster's own parts so far, for the verdicts that depend on them:
   * the components every probe relies on, plus those serving the given endpoints ("ns/pod" or
   * an external host's name). Optional: a provider that cannot tell leaves it out.
   */
  health?(endpoints?: readonly string[]): ClusterHealth;
  destroy(): Promise<void>;
}

/** Components that died, each with how and its last log lines. */
export interface ClusterHealth {
  /** Dead for good: nothing they serve can be trusted. */
  failed: string[];
  /** Died and were restarted; what ran across the restart may have failed. */
  restarted: string[];
}
