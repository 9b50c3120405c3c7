// The recipe catalog's vocabulary (see docs/recipes.md for the file format).
import type { FixturePod } from '../cluster/provider.ts';
import type { ContainerPort, Labels, Model, NamespaceSpec, PodString, PolicyResource, ProbeProtocol, ServiceAccountSpec } from '../model/types.ts';
import type { Flow } from '../oracle/index.ts';

/**
 * The name of the step a probe runs after. A recipe without `steps:` has two: `before` (none of
 * its policies applied) and `after` (all of them applied).
 */
export type Phase = string;

/** What the oracle says a probe must observe (never `check-failed`). */
export type Expectation = 'allowed' | 'blocked';

/** A port a fixture (pod or external host) answers on; `http` ports answer GET / with 200. */
export type ServedPort = ContainerPort & { http?: boolean };

export interface RecipePod {
  /** The recipe's own namespace name (suffixed at plan time). */
  namespace: string;
  name: string;
  labels: Labels;
  serve: ServedPort[];
  /** The ServiceAccount the pod runs as (declared under the recipe's serviceAccounts). */
  serviceAccount?: string;
}

export interface RecipeExternal {
  /** Also how probes and `{{external:<name>}}` placeholders refer to it; never contains "/". */
  name: string;
  serve: ServedPort[];
}

/**
 * One connection to try. `from` and `to` are the recipe's names: "ns/pod" for a pod, a bare
 * name for an external host. `port` is absent for ICMP.
 */
export interface ProbeSpec {
  /** Stable across runs and suffixes: "after default/client -> default/web http/80" (the step's name first). */
  id: string;
  phase: Phase;
  from: string;
  to: string;
  protocol: ProbeProtocol;
  port?: number;
}

/** A compact probe matrix as written in a recipe: phases (step names) x from x to x protocols x ports. */
export interface ProbeMatrix {
  phases: Phase[];
  from: string[];
  to: string[];
  protocols: ProbeProtocol[];
  /** Empty when every protocol of the matrix is ICMP. */
  ports: number[];
}

/** A checkable statement of the recipe's prose: what its author says a connection does. */
export interface ProseAssertion {
  phase: Phase;
  from: string;
  to: string;
  protocol: ProbeProtocol;
  port?: number;
  expect: Expectation;
}

export interface ProseClaim {
  /** Only needed when a note refers to the claim. */
  id?: string;
  text: string;
  /** Absent for narrative-only claims. */
  check?: ProseAssertion;
}

export interface RecipeNote {
  /** Id of the prose claim this note explains (a disagreement with the oracle); absent for general notes. */
  prose?: string;
  text: string;
}

/** A namespace's or pod's labels after a step: the full set (recipe names). */
export type Relabel = { namespace: string; labels: Labels } | { pod: string; labels: Labels };

/**
 * One step of a recipe: what it changes, done in this order (pods added, labels replaced,
 * policies applied, policies deleted), then the probes of its phase run.
 */
export interface RecipeStep {
  name: Phase;
  addPods: RecipePod[];
  relabel: Relabel[];
  /** Created, or updated when a policy of that name is in force (server-side apply); as written. */
  apply: PolicyResource[];
  /** Policies in force, named as listings name them (policyLabel): "ns/name", "gnp:name", "tier:name". */
  delete: string[];
}

export interface Recipe {
  id: string;
  title: string;
  /** URL of the recipe file, or the Calico walkthrough step it comes from. */
  source: string;
  /** Path of the YAML file it was loaded from. */
  file: string;
  prose: ProseClaim[];
  notes: RecipeNote[];
  namespaces: NamespaceSpec[];
  /** ServiceAccounts the recipe's pods run as; Calico policies can select them. */
  serviceAccounts: ServiceAccountSpec[];
  pods: RecipePod[];
  externals: RecipeExternal[];
  /**
   * Kubernetes NetworkPolicies and Calico resources (tiers, network policies, global network
   * policies, staged policies), as written: the recipe's namespace and tier names,
   * `{{external:<name>}}` placeholders unresolved. In a recipe with `steps:`, every policy its
   * steps apply (an updated policy once per version).
   */
  policies: PolicyResource[];
  /** As written, or the two implied ones (`before`, `after` applying `policies`) when the file has no `steps:`. */
  steps: RecipeStep[];
  /** True when the file declares its own `steps:`. */
  stepped: boolean;
  probes: ProbeMatrix[];
}

/** A probe with what the oracle expects of it. `flow` names the deployed (suffixed) endpoints. */
export interface PlannedProbe extends ProbeSpec {
  flow: Flow;
  expected: Expectation;
  /** The oracle's reason, in deployed names. */
  reason: string;
}

/** A prose claim checked against the oracle. */
export interface ProseCheck {
  claim: ProseClaim & { check: ProseAssertion };
  /** Id of the probe that carries the claim to the cluster. */
  probe: string;
  oracle: Expectation;
  reason: string;
  agrees: boolean;
  /** The note that explains a disagreement (or, stale, one that no longer disagrees). */
  note?: string;
}

/** Addresses only known once the provider has made them; placeholders are used when absent. */
export interface PlanAddresses {
  /** External host name -> IP. */
  externals?: Record<string, string>;
  /** Deployed pod ("ns-suffixed/pod") -> IP. Only ipBlock rules that match pods need them. */
  pods?: Record<string, string>;
}

/** One change of a planned step, in deployed names. */
export type PlannedChange =
  | { kind: 'add-pod'; pod: FixturePod }
  | { kind: 'relabel-namespace'; namespace: string; labels: Labels }
  | { kind: 'relabel-pod'; pod: PodString; labels: Labels }
  | { kind: 'apply'; policy: PolicyResource }
  /** `policy`: the version in force when it is deleted. */
  | { kind: 'delete'; policy: PolicyResource }
  /** Only when a recipe is reset for its second try: a pod an earlier step added goes. */
  | { kind: 'delete-pod'; pod: PodString };

/** A step ready to carry out, with the state it leaves behind: what the oracle judges its probes by. */
export interface PlannedStep {
  name: Phase;
  changes: PlannedChange[];
  /** Namespaces (labels) and pods (labels, IPs where known) after the step. */
  model: Model;
  /** The recipe's policies in force after the step, in the order they were first applied. */
  policies: PolicyResource[];
}

/** Everything the run engine needs to carry out one recipe; pure data. */
export interface RecipePlan {
  recipe: Pick<Recipe, 'id' | 'title' | 'source' | 'file' | 'notes'>;
  suffix: string;
  /** Recipe namespace name -> deployed namespace name. */
  namespaceNames: Record<string, string>;
  /** The oracle's model before the first step (the fixtures as deployed), in deployed names. */
  model: Model;
  /** Recipe tier name -> deployed tier name (tiers are cluster-wide, so they are renamed too). */
  tierNames: Record<string, string>;
  /** Namespaces to create (labels include kubernetes.io/metadata.name). */
  namespaces: NamespaceSpec[];
  /** ServiceAccounts to create before the pods, in deployed namespaces. */
  serviceAccounts: ServiceAccountSpec[];
  /** The pods deployed before the first step. */
  fixtures: FixturePod[];
  externals: RecipeExternal[];
  /**
   * Every policy version a step applies, ready to apply (within a step, tiers first): namespaces
   * and cluster-wide names renamed, placeholders resolved, global policies limited to the
   * recipe's namespaces.
   */
  policies: PolicyResource[];
  steps: PlannedStep[];
  /** In step order. */
  probes: PlannedProbe[];
  prose: ProseCheck[];
}
