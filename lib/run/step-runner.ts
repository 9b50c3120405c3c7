// A recipe step carried out: its changes made through the API (pods added first, then labels
// replaced, policies applied, policies deleted), then a wait until the nodes' rules and IP sets
// of every address family reflect the state the step leaves (step-enforcement.ts), timed from
// the first change. The reset before a second try is a step of its own kind: back to the
// fixtures as first deployed.
import { ipSetReadCommand, parseIpSets } from '../counters/index.ts';
import type { IpSets } from '../counters/index.ts';
import { InfrastructureError } from '../errors.ts';
import type { KubeObject } from '../kube/client.ts';
import { poll } from '../lifecycle/index.ts';
import { failFastOnBrokenCluster } from './cluster-health.ts';
import type { IpFamily, PolicyResource } from '../model/types.ts';
import { appliedObject, planReset, policyLabel } from '../recipes/index.ts';
import type { PlannedChange, PlannedStep, RecipeStep } from '../recipes/index.ts';
import type { StepChange } from '../report/schema.ts';
import { readNodes } from './node-counters.ts';
import {
  deployPods,
  familyNote,
  nodesOf,
  readFamilies,
  replaceBaseline,
  replan,
  settled,
  waitServersAnswer,
  type FamilySnapshots,
  type NodeSnapshots,
  type RecipeRun,
} from './recipe-run.ts';
import { checkStepIpSets, checkStepRules, needsIpSets, updatedPolicies } from './step-enforcement.ts';

/**
 * Carries out step `index` of the run's plan and returns how long the dataplane took to reflect
 * it (0 for a step that changes nothing). Pods the step adds answer before it returns.
 */
export async function runStep(run: RecipeRun, index: number): Promise<number> {
  const first = run.plan.steps[index]!;
  if (first.changes.length === 0) return 0;
  const previous = index === 0 ? [] : run.plan.steps[index - 1]!.policies;
  const started = Date.now();
  const before = await currentReads(run);
  const added = first.changes.flatMap((c) => (c.kind === 'add-pod' ? [c.pod] : []));
  if (added.length > 0) {
    await deployPods(run, added);
    // The added pods' addresses are known now: ipBlock rules and IP sets can match them.
    replan(run);
  }
  const step = run.plan.steps[index]!;
  await makeChanges(run, step.changes);
  await waitReflected(run, step, previous, before);
  const enforcedMs = Date.now() - started;
  if (added.length > 0) await waitServersAnswer(added, run.placement, run.ctx);
  return enforcedMs;
}

/** Takes the cluster back to the fixtures as first deployed, and waits until the rules show it. */
export async function resetRun(run: RecipeRun): Promise<void> {
  const last = run.plan.steps.at(-1)!;
  const reset = planReset(run.plan.model, last);
  if (reset.changes.length === 0) return;
  const before = await currentReads(run);
  await makeChanges(run, reset.changes);
  await waitReflected(run, reset, last.policies, before);
}

/** What the report says a step changed, in the recipe's own names. */
export function stepChanges(step: RecipeStep): StepChange[] {
  return [
    ...step.addPods.map((pod) => ({ kind: 'add-pod' as const, target: `${pod.namespace}/${pod.name}`, labels: { ...pod.labels } })),
    ...step.relabel.map((r) =>
      'pod' in r ? { kind: 'relabel-pod' as const, target: r.pod, labels: { ...r.labels } } : { kind: 'relabel-namespace' as const, target: r.namespace, labels: { ...r.labels } },
    ),
    ...step.apply.map((p) => ({ kind: 'apply' as const, target: policyLabel(p) })),
    ...step.delete.map((label) => ({ kind: 'delete' as const, target: label })),
  ];
}

/** One change after another, in the step's order (pods it adds are already deployed). */
async function makeChanges(run: RecipeRun, changes: readonly PlannedChange[]): Promise<void> {
  const { objects, cluster } = run.ctx;
  for (const change of changes) {
    switch (change.kind) {
      case 'add-pod':
        break;
      case 'relabel-namespace':
        await objects.setLabels({ kind: 'Namespace', name: change.namespace }, change.labels);
        break;
      case 'relabel-pod': {
        const [namespace, name] = change.pod.split('/') as [string, string];
        await objects.setLabels({ kind: 'Pod', namespace, name }, change.labels);
        break;
      }
      case 'apply':
        await objects.apply(asObject(change.policy));
        break;
      case 'delete':
        await objects.delete(asObject(change.policy));
        break;
      case 'delete-pod':
        await cluster.deletePod(change.pod);
        run.placement.pods.delete(change.pod);
        break;
    }
  }
}

/** As the API server takes it: Calico resources through their CRD group (lib/recipes/apply.ts). */
function asObject(policy: PolicyResource): KubeObject {
  return appliedObject(policy) as unknown as KubeObject;
}

/** Each family's kept read of each node of the recipe, read afresh where there is none. */
async function currentReads(run: RecipeRun): Promise<FamilySnapshots> {
  const nodes = nodesOf(run.placement);
  const reads = await Promise.all(
    [...run.ctx.counters].map(async ([family, readers]) => {
      const kept = run.baseline.get(family) ?? new Map();
      const missing = nodes.filter((n) => !kept.has(n));
      const fresh: NodeSnapshots = missing.length > 0 ? await readNodes(readers, missing, run.ctx.signal) : new Map();
      return [family, new Map(nodes.map((n) => [n, kept.get(n) ?? fresh.get(n)!]))] as const;
    }),
  );
  return new Map(reads);
}

/**
 * Polls the nodes of the recipe's pods until the rules of every family reflect `step` (felix
 * writes the IPv4 and IPv6 rules and IP sets apart); the last read becomes the baseline.
 */
async function waitReflected(run: RecipeRun, step: PlannedStep, previous: readonly PolicyResource[], before: FamilySnapshots): Promise<void> {
  const { ctx } = run;
  const applied = step.changes.flatMap((c) => (c.kind === 'apply' ? [c.policy] : []));
  const state = { model: step.model, policies: step.policies, known: run.plan.policies, updated: updatedPolicies(previous, applied) };
  const withSets = needsIpSets(step.policies);
  let missing: string[] = [];
  let reads = 0;
  let firstMissing: string[] = [];
  const snapshots = await poll(
    `the rules to reflect step ${step.name} of recipe ${run.recipe.id}`,
    { timeoutMs: ctx.enforceTimeoutMs, intervalMs: 40, signal: ctx.signal, failFast: failFastOnBrokenCluster(ctx.cluster), describeLast: () => missing.slice(0, 5).join('; ') },
    async () => {
      const nodes = nodesOf(run.placement);
      const podNodes = new Map([...run.placement.pods].map(([pod, p]) => [pod, p.node]));
      const familyReads = await readFamilies(ctx, nodes);
      const views = [...familyReads].map(([family, snapshots]) => ({
        family,
        podNodes,
        snapshots,
        calicoVersion: ctx.calicoVersion,
        before: before.get(family) ?? new Map(),
      }));
      const note = (family: IpFamily) => (line: string) => `${line}${familyNote(family, ctx)}`;
      missing = views.flatMap((view) => checkStepRules(state, view).map(note(view.family)));
      // The IP sets last, once the rules are there: one more command per node (it lists both
      // families' sets), not one per read.
      if (missing.length === 0 && withSets) {
        const ipSets = await readIpSets(run, nodes);
        missing = views.flatMap((view) => checkStepIpSets(state, { ...view, ipSets }).map(note(view.family)));
      }
      if (reads++ === 0) firstMissing = missing;
      return missing.length === 0 ? familyReads : undefined;
    },
  );
  // What the rules lacked at first: the evidence that the wait waited for something.
  ctx.log.debug(`step ${step.name} reflected after ${reads} read(s)${firstMissing.length > 0 ? `; the first lacked: ${firstMissing.slice(0, 5).join('; ')}` : ''}`);
  replaceBaseline(run.baseline, snapshots);
}

async function readIpSets(run: RecipeRun, nodes: readonly string[]): Promise<Map<string, IpSets>> {
  const { ctx } = run;
  const argv = ipSetReadCommand(ctx.dataplane);
  const entries = await settled(
    nodes.map(async (node) => {
      const result = await ctx.cluster.execOnNode(node, argv, { timeoutMs: 10_000, signal: ctx.signal });
      if (result.exitCode !== 0) throw new InfrastructureError(`reading IP sets on ${node} (${argv.join(' ')}) failed with exit ${result.exitCode}: ${result.stderr.trim().slice(0, 200)}`);
      return [node, parseIpSets(ctx.dataplane, result.stdout)] as const;
    }),
  );
  return new Map(entries);
}
