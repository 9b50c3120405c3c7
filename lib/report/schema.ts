// report.json, version 2: what one run saw, written by `run` and read back by `compare`.
// The shape is a contract with CI tooling: add optional fields freely, but any rename, removal
// or widening of a field's values needs a new schemaVersion and a reader for the old ones.
// Version 2 (recipe steps): a probe's `phase` is the name of the step it ran after, and every
// recipe lists its steps; version 1 (phases `before` and `after` only) is still read (validate.ts).
import type { Connectivity, Labels, ProbeProtocol } from '../model/types.ts';

export const reportSchemaVersion = 2;
/** What `compare` reads: a version-1 report is read as a version-2 one (see validate.ts). */
export const readableReportVersions: readonly number[] = [1, 2];

export interface Report {
  schemaVersion: typeof reportSchemaVersion;
  run: RunInfo;
  summary: Summary;
  recipes: RecipeReport[];
}

/** Where and what ran; the versions are read from the cluster, not from configuration. */
export interface RunInfo {
  id: string;
  /** `kind` or `netns` */
  provider: string;
  calico: { version: string; dataplane: Dataplane };
  /** Felix version, when it differs from or is read separately from Calico's. */
  felix?: string;
  /** Kubernetes server version, e.g. "v1.34.1". */
  kubernetes: string;
  /** ISO 8601 */
  startedAt: string;
  durationMs: number;
  /** What the cluster was made from (images and IDs, the Calico manifest, the harness's changes). */
  environment?: {
    images?: 'local' | 'registry';
    imageIds?: Record<string, string>;
    calicoManifest?: { file: string; sha256: string };
    changes?: string[];
  };
}

export type Dataplane = 'iptables' | 'nftables' | 'bpf';

/**
 * Counts over every probe result in the report, all tries included (a first-try failure stays
 * counted even when the second try passes: nothing is retried silently).
 * `checkFailed` is the part of `failed` whose observation was `check-failed`.
 */
export interface Summary {
  probes: number;
  passed: number;
  failed: number;
  checkFailed: number;
}

export interface RecipeReport {
  /** Catalog id, e.g. "01" */
  id: string;
  title: string;
  /** URL of the upstream example or test the recipe comes from. */
  source: string;
  notes?: string;
  policies: PolicyText[];
  /** The longest enforcement of a step of the last try (`after`, in a recipe without steps). */
  enforcement: { programmedMs: number };
  /** 1, or 2 when something differed and the recipe was probed once more in full. */
  tries: number;
  /** The steps carried out, try by try, in order; a recipe without steps has `before` and `after`. */
  steps: StepReport[];
  probes: ProbeReport[];
}

/** A policy as applied: its name and the exact YAML sent to the API server. */
export interface PolicyText {
  name: string;
  yaml: string;
  /** The step that applied this version (recipes with steps, where a policy can be updated). */
  step?: string;
}

/** One step of a recipe as carried out: what changed, and how long the dataplane took to show it. */
export interface StepReport {
  name: string;
  try: 1 | 2;
  /** In the order they were made; empty for a step that only probes. */
  changes: StepChange[];
  /**
   * From the step's first change until the rules on the nodes reflected all of them (endpoint
   * chains reaching exactly the policies the oracle says select each pod, updated policies
   * re-rendered, IP sets holding the pods the rules' selectors match); 0 when nothing changed.
   */
  enforcedMs: number;
}

/**
 * - apply: a policy created or updated (its YAML is under the recipe's `policies`)
 * - delete: a policy deleted
 * - relabel-pod / relabel-namespace: labels replaced (`labels` is the new full set)
 * - add-pod: a pod deployed by the step (`labels` are its labels)
 */
export type StepChangeKind = 'apply' | 'delete' | 'relabel-pod' | 'relabel-namespace' | 'add-pod';
export const stepChangeKinds: readonly StepChangeKind[] = ['apply', 'delete', 'relabel-pod', 'relabel-namespace', 'add-pod'];

export interface StepChange {
  kind: StepChangeKind;
  /** The recipe's name of the policy or pod ("namespace/name") or of the namespace. */
  target: string;
  labels?: Labels;
}

/** `before` / `after` in a recipe without steps; otherwise the name of a step of the recipe. */
export type ProbePhase = string;
export type Expectation = Exclude<Connectivity, 'check-failed'>;
export type ProbeVerdict = 'pass' | 'fail';

export interface ProbeReport {
  /** Stable within a recipe across runs, e.g. "x/a->x/b tcp/80". */
  id: string;
  try: 1 | 2;
  /** The step the probe ran after. */
  phase: ProbePhase;
  /** PodString ("ns/pod") or the name of an external host. */
  from: string;
  to: string;
  protocol: ProbeProtocol;
  /** Absent for ICMP. */
  port?: number;
  expected: Expectation;
  /** The oracle's sentence explaining `expected`. */
  expectedReason: string;
  observed: Connectivity;
  /** What the probe saw: "connection refused", "http 200", exit code and a stderr excerpt. */
  detail: string;
  verdict: ProbeVerdict;
  durationMs: number;
  /** A command a person can paste to reproduce the probe on this provider. */
  command: string;
  counters: { deltas: CounterDeltaRow[] };
  /** The rule that decided the probe, or null when attribution found none. */
  decidedBy: Decision | null;
  /** What the observation rests on (absent in reports written before it was recorded). */
  evidence?: ProbeEvidence;
}

/**
 * - answer: the probe got an answer (connected, refused, echoed, an HTTP status, an echo reply)
 * - counted-drop: a Calico drop or reject rule of the probe's own endpoint counted its packets
 *   while it was in flight, and the probe was stopped there
 * - timeout: the probe waited out its connect timeout with no answer (with or without a drop
 *   counted: `decidedBy` tells)
 * - error: the probe could not be carried out (`check-failed`)
 */
export type ProbeEvidence = 'answer' | 'counted-drop' | 'timeout' | 'error';
export const probeEvidence: readonly ProbeEvidence[] = ['answer', 'counted-drop', 'timeout', 'error'];

/** One rule whose counters moved while the probe ran. */
export interface CounterDeltaRow {
  node: string;
  /** iptables table ("filter", "raw", ...) or nftables table name. */
  table: string;
  chain: string;
  /** The rule as printed by iptables-save / nft, so a person recognises it. */
  rule: string;
  packets: number;
  bytes: number;
}

export interface Decision {
  chain: string;
  rule: string;
  /**
   * The policy the chain was rendered from, when it is a policy chain: "ns/name" for a Kubernetes
   * NetworkPolicy, "np:ns/name" for a Calico NetworkPolicy, "gnp:name" for a GlobalNetworkPolicy.
   */
  policy?: string;
  /** The Calico tier of that policy, or of the end-of-tier rule that dropped (as the recipe names it). */
  tier?: string;
  kind: DecisionKind;
}

/**
 * Which kind of rule decided a probe; compare flags a change of kind between two Calico versions.
 * - policy-allow: an accept/return of a policy rule
 * - policy-deny: a deny rule of a policy (Calico policies; Kubernetes ones only allow)
 * - end-of-tier-drop: selected by a policy, no rule matched, dropped at the end of the tier
 * - profile-allow: no policy selects the endpoint; the namespace profile allowed it
 * - other-drop: dropped by a rule outside policy and profile chains (a finding to look at)
 */
export type DecisionKind = 'policy-allow' | 'policy-deny' | 'end-of-tier-drop' | 'profile-allow' | 'other-drop';

export const decisionKinds: readonly DecisionKind[] = [
  'policy-allow',
  'policy-deny',
  'end-of-tier-drop',
  'profile-allow',
  'other-drop',
];
export const dataplanes: readonly Dataplane[] = ['iptables', 'nftables', 'bpf'];
export const probeProtocols: readonly ProbeProtocol[] = ['tcp', 'http', 'icmp', 'udp'];

/** Counts the summary from the recipes, so a writer never hand-computes it. */
export function summarize(recipes: readonly RecipeReport[]): Summary {
  const summary: Summary = { probes: 0, passed: 0, failed: 0, checkFailed: 0 };
  for (const probe of recipes.flatMap((r) => r.probes)) {
    summary.probes++;
    if (probe.verdict === 'pass') summary.passed++;
    else summary.failed++;
    if (probe.observed === 'check-failed') summary.checkFailed++;
  }
  return summary;
}

/**
 * The steps of a recipe without steps, as version-1 reports imply them: `before` (nothing
 * changed) and `after` (every policy applied, enforced in `programmedMs`), once per try.
 */
export function beforeAfterSteps(tries: number, policies: readonly PolicyText[], programmedMs: number): StepReport[] {
  return Array.from({ length: Math.max(1, tries) }, (_, i) => i + 1).flatMap((attempt) => [
    { name: 'before', try: attempt as 1 | 2, changes: [], enforcedMs: 0 },
    { name: 'after', try: attempt as 1 | 2, changes: policies.map((p) => ({ kind: 'apply' as const, target: p.name })), enforcedMs: programmedMs },
  ]);
}

/** The steps of a recipe's last try. */
export function lastTrySteps(recipe: RecipeReport): StepReport[] {
  const last = Math.max(1, ...recipe.steps.map((s) => s.try));
  return recipe.steps.filter((s) => s.try === last);
}

/** The probes of a recipe's last try: the ones that carry its final verdict. */
export function lastTry(recipe: RecipeReport): ProbeReport[] {
  const last = Math.max(1, ...recipe.probes.map((p) => p.try));
  return recipe.probes.filter((p) => p.try === last);
}
