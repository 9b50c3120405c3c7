// A recipe's steps, planned: each step's changes in deployed names and the state it leaves behind
// (namespaces, pods and their labels, the policies in force), which is what the oracle judges
// the step's probes by. Pure, like the rest of the planner.
import type { FixturePod } from '../cluster/provider.ts';
import { isCalicoTier } from '../model/calico.ts';
import type { Model, PodSpec, PodString, PolicyResource } from '../model/types.ts';
import { policyLabel } from './policy.ts';
import type { PlannedChange, PlannedStep, Recipe, RecipePod } from './types.ts';

const namespaceNameKey = 'kubernetes.io/metadata.name';

/** How a recipe's names and objects become deployed ones (plan.ts supplies them). */
export interface StepDeployment {
  namespace(name: string): string;
  pod(pod: RecipePod): PodSpec;
  fixture(pod: RecipePod): FixturePod;
  /** The policy renamed, resolved and re-validated; `path` names where the recipe wrote it. */
  policy(policy: PolicyResource, path: string): PolicyResource;
}

export function planSteps(recipe: Pick<Recipe, 'steps' | 'stepped'>, initial: Model, deploy: StepDeployment): PlannedStep[] {
  let namespaces = initial.namespaces;
  let pods = initial.pods;
  // By the recipe's own name of each policy (what `delete:` names), the planned version.
  const inForce = new Map<string, PolicyResource>();
  return recipe.steps.map((step, i) => {
    const changes: PlannedChange[] = [];
    for (const pod of step.addPods) {
      changes.push({ kind: 'add-pod', pod: deploy.fixture(pod) });
      pods = [...pods, deploy.pod(pod)];
    }
    for (const relabel of step.relabel) {
      if ('namespace' in relabel) {
        const namespace = deploy.namespace(relabel.namespace);
        const labels = { ...relabel.labels, [namespaceNameKey]: namespace };
        changes.push({ kind: 'relabel-namespace', namespace, labels });
        namespaces = namespaces.map((ns) => (ns.name === namespace ? { ...ns, labels } : ns));
      } else {
        const slash = relabel.pod.indexOf('/');
        const pod: PodString = `${deploy.namespace(relabel.pod.slice(0, slash))}/${relabel.pod.slice(slash + 1)}`;
        changes.push({ kind: 'relabel-pod', pod, labels: { ...relabel.labels } });
        pods = pods.map((p) => (`${p.namespace}/${p.name}` === pod ? { ...p, labels: { ...relabel.labels } } : p));
      }
    }
    // Tiers first: felix must know a tier's order before it places the tier's policies.
    const applied = step.apply
      .map((written, j) => ({ written, policy: deploy.policy(written, recipe.stepped ? `steps[${i}].apply[${j}]` : `policies[${j}]`) }))
      .sort((a, b) => Number(isCalicoTier(b.policy)) - Number(isCalicoTier(a.policy)));
    for (const { written, policy } of applied) {
      changes.push({ kind: 'apply', policy });
      inForce.set(policyLabel(written), policy);
    }
    for (const name of step.delete) {
      const policy = inForce.get(name);
      // parseRecipe refuses a delete of a policy not in force.
      if (!policy) throw new Error(`step ${step.name}: policy ${name} is not in force`);
      changes.push({ kind: 'delete', policy });
      inForce.delete(name);
    }
    return { name: step.name, changes, model: { ...initial, namespaces, pods }, policies: [...inForce.values()] };
  });
}

/**
 * The changes that take the cluster from the state `from` leaves back to the fixtures as first
 * deployed (before a second try): its policies deleted, labels restored, added pods gone.
 */
export function planReset(initial: Model, from: PlannedStep): PlannedStep {
  const changes: PlannedChange[] = [...from.policies].reverse().map((policy) => ({ kind: 'delete', policy }) as const);
  for (const ns of initial.namespaces) {
    const now = from.model.namespaces.find((n) => n.name === ns.name);
    if (now && !sameLabels(now.labels, ns.labels)) changes.push({ kind: 'relabel-namespace', namespace: ns.name, labels: { ...ns.labels } });
  }
  for (const pod of from.model.pods) {
    const key: PodString = `${pod.namespace}/${pod.name}`;
    const first = initial.pods.find((p) => `${p.namespace}/${p.name}` === key);
    if (!first) changes.push({ kind: 'delete-pod', pod: key });
    else if (!sameLabels(first.labels, pod.labels)) changes.push({ kind: 'relabel-pod', pod: key, labels: { ...first.labels } });
  }
  return { name: 'reset', changes, model: initial, policies: [] };
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
