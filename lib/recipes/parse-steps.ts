// A recipe's `steps:`: named changes after the fixtures are up, each followed by its own probes.
// Validated against the state the earlier steps leave (a relabelled pod must exist by then, a
// deleted policy must be in force), so a step that cannot be carried out is refused at load time.
import type { NamespaceSpec, PolicyResource } from '../model/types.ts';
import { policyLabel } from './policy.ts';
import type { RecipeReader } from './reader.ts';
import type { RecipePod, RecipeStep, Relabel } from './types.ts';

export interface StepContext {
  namespaces: NamespaceSpec[];
  /** The pods deployed before the first step. */
  pods: RecipePod[];
  /** Reads one pod as `pods:` entries are read. */
  readPod(item: unknown, path: string): RecipePod;
  /** Reads one policy as `policies:` entries are read. */
  readPolicy(item: unknown, path: string): PolicyResource;
}

const stepKeys = ['name', 'addPods', 'relabel', 'apply', 'delete'];

export function readSteps(r: RecipeReader, value: unknown, ctx: StepContext): RecipeStep[] {
  const items = r.array(value, 'steps');
  if (items.length === 0) r.fail('steps', 'expected at least one step');
  const names = new Set<string>();
  const pods = new Set(ctx.pods.map(podKey));
  const inForce = new Set<string>();
  return items.map((item, i) => {
    const path = `steps[${i}]`;
    const s = r.object(item, path, stepKeys, ['name']);
    const name = r.name(s.name, `${path}.name`);
    if (names.has(name)) r.fail(`${path}.name`, `step "${name}" is declared twice`);
    names.add(name);

    const addPods = r.optionalArray(s.addPods, `${path}.addPods`).map((p, j) => {
      const pod = ctx.readPod(p, `${path}.addPods[${j}]`);
      if (pods.has(podKey(pod))) r.fail(`${path}.addPods[${j}].name`, `pod ${podKey(pod)} already exists (under pods, or added by an earlier step)`);
      pods.add(podKey(pod));
      return pod;
    });

    const relabelled = new Set<string>();
    const relabel = r.optionalArray(s.relabel, `${path}.relabel`).map((x, j) => {
      const change = readRelabel(r, x, `${path}.relabel[${j}]`, ctx.namespaces, pods);
      const target = 'pod' in change ? `pod ${change.pod}` : `namespace ${change.namespace}`;
      if (relabelled.has(target)) r.fail(`${path}.relabel[${j}]`, `${target} is relabelled twice in one step`);
      relabelled.add(target);
      return change;
    });

    const applied = new Set<string>();
    const apply = r.optionalArray(s.apply, `${path}.apply`).map((p, j) => {
      const policy = ctx.readPolicy(p, `${path}.apply[${j}]`);
      const key = policyLabel(policy);
      if (applied.has(key)) r.fail(`${path}.apply[${j}].metadata.name`, `policy ${key} is applied twice in one step`);
      applied.add(key);
      return policy;
    });

    const deleted = r.optionalArray(s.delete, `${path}.delete`).map((d, j) => {
      const at = `${path}.delete[${j}]`;
      const key = r.string(d, at);
      if (applied.has(key)) r.fail(at, `policy ${key} is applied and deleted in the same step`);
      if (!inForce.has(key)) {
        const names = [...inForce].join(', ') || 'none';
        r.fail(at, `policy ${key} is not in force at this step (in force: ${names}; name a Kubernetes policy "namespace/name", a Calico one as listings do, e.g. "gnp:name", "np:namespace/name", "tier:name")`);
      }
      inForce.delete(key);
      return key;
    });
    for (const key of applied) inForce.add(key);

    if (addPods.length + relabel.length + apply.length + deleted.length === 0 && i > 0) {
      // Only the first step may change nothing: it probes the fixtures as deployed.
      r.fail(path, 'a step after the first must change something (addPods, relabel, apply or delete)');
    }
    return { name, addPods, relabel, apply, delete: deleted };
  });
}

function readRelabel(r: RecipeReader, value: unknown, path: string, namespaces: NamespaceSpec[], pods: Set<string>): Relabel {
  const x = r.object(value, path, ['pod', 'namespace', 'labels'], ['labels']);
  if ((x.pod === undefined) === (x.namespace === undefined)) r.fail(path, 'name either a pod ("namespace/name") or a namespace');
  const labels = r.labels(x.labels, `${path}.labels`);
  if (x.namespace !== undefined) {
    const namespace = r.name(x.namespace, `${path}.namespace`);
    if (!namespaces.some((ns) => ns.name === namespace)) r.fail(`${path}.namespace`, `namespace "${namespace}" is not declared under namespaces`);
    if ('kubernetes.io/metadata.name' in labels) r.fail(`${path}.labels`, 'kubernetes.io/metadata.name is set from the deployed (suffixed) name; leave it out');
    return { namespace, labels };
  }
  const pod = r.string(x.pod, `${path}.pod`);
  if (!pods.has(pod)) r.fail(`${path}.pod`, `pod ${pod} does not exist at this step (declare it under pods, or add it in this or an earlier step)`);
  return { pod, labels };
}

/** The two steps of a recipe without `steps:`: its fixtures as deployed, then every policy applied. */
export function impliedSteps(policies: PolicyResource[]): RecipeStep[] {
  return [
    { name: 'before', addPods: [], relabel: [], apply: [], delete: [] },
    { name: 'after', addPods: [], relabel: [], apply: policies, delete: [] },
  ];
}

/** "ns/pod" -> index of the step that adds it; pods under `pods:` arrive before step 0 (-1). */
export function podArrivals(pods: RecipePod[], steps: RecipeStep[]): Map<string, number> {
  const arrivals = new Map(pods.map((p) => [podKey(p), -1]));
  steps.forEach((step, i) => step.addPods.forEach((p) => arrivals.set(podKey(p), i)));
  return arrivals;
}

function podKey(pod: Pick<RecipePod, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}
