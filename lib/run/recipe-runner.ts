// One recipe, carried out on a cluster: deploy (namespaces, external hosts, pods), wait until
// felix has programmed every pod and every server answers, then up to two tries of its steps
// (a recipe without steps has two: `before`, nothing applied, and `after`, its policies applied),
// each step's changes made and waited for in the rules (step-runner.ts), then the step's probes.
// When anything differs from the oracle the recipe is reset to its fixtures and probed once more
// in full, and both tries are kept in the report: nothing is retried silently.
import { stringify } from 'yaml';
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { podProgrammed } from '../counters/index.ts';
import { messageOf } from '../errors.ts';
import type { KubeObject, LabelTarget } from '../kube/client.ts';
import { poll, TeardownStack, throwIfCancelled } from '../lifecycle/index.ts';
import type { Logger } from '../log.ts';
import type { IpFamily, Labels } from '../model/types.ts';
import type { ProbeTimeouts } from '../probe/command.ts';
import { appliedObject, planRecipe, policyLabel, policyRefs } from '../recipes/index.ts';
import type { PlannedProbe, PlannedStep, Recipe, RecipePlan } from '../recipes/index.ts';
import type { ProbeReport, RecipeReport } from '../report/schema.ts';
import { lastTrySteps } from '../report/schema.ts';
import { failFastOnBrokenCluster, healthNote } from './cluster-health.ts';
import type { CounterReaders, FamilyCounterReaders } from './node-counters.ts';
import type { BlockedBy } from './options.ts';
import { failedProbe, runProbe, type Placement, type ProbeContext } from './probe-runner.ts';
import {
  baselineOf,
  deployPods,
  familyNote,
  nodesOf,
  readFamilies,
  replaceBaseline,
  replan,
  runFamilies,
  selectProbes,
  settled,
  waitServersAnswer,
  type FamilySnapshots,
  type RecipeRun,
} from './recipe-run.ts';
import { resetRun, runStep, stepChanges } from './step-runner.ts';

/** Applies and deletes Kubernetes objects, and relabels namespaces and pods (the KubeClient; a test double in unit tests). */
export interface ObjectApi {
  apply(object: KubeObject): Promise<unknown>;
  delete(object: KubeObject): Promise<unknown>;
  /** Replaces every label of the namespace or pod. */
  setLabels(target: LabelTarget, labels: Labels): Promise<unknown>;
}

export interface RecipeContext {
  cluster: Cluster;
  objects: ObjectApi;
  /** The readers of each family the recipe probes over (the cluster's). */
  counters: FamilyCounterReaders;
  dataplane: Dataplane;
  calicoVersion: string;
  /** Suffix of the recipe's namespaces and external hosts (the run id). */
  suffix: string;
  timeouts: ProbeTimeouts;
  blockedBy: BlockedBy;
  /** How long felix may take to program endpoints and policies. */
  enforceTimeoutMs: number;
  /** How long a fixture server may take to answer. */
  serverTimeoutMs?: number;
  /** Which probes to run (all when absent). */
  selectProbe?: (probe: PlannedProbe) => boolean;
  signal: AbortSignal;
  log: Logger;
  onProbe?: (probe: ProbeReport) => void;
  /**
   * Takes the recipe's teardown (deleting its pods and namespaces) to finish while the run goes
   * on: nothing after the last probe depends on it, and the run awaits it before it ends.
   * Without it the recipe tears down before it returns.
   */
  finishLater?: (what: string, work: () => Promise<string[]>) => void;
}

export async function runRecipe(recipe: Recipe, ctx: RecipeContext): Promise<RecipeReport> {
  const teardown = new TeardownStack(ctx.log);
  const run: RecipeRun = {
    recipe,
    ctx,
    plan: selectProbes(planRecipe(recipe, ctx.suffix, {}, { families: runFamilies(ctx) }), ctx),
    placement: { pods: new Map(), externals: new Map() },
    baseline: new Map(),
    teardown,
    placed: 0,
  };
  const report: RecipeReport = {
    id: recipe.id,
    title: recipe.title,
    source: recipe.source,
    ...(recipe.notes.length ? { notes: recipe.notes.map((n) => n.text).join('\n') } : {}),
    policies: [],
    enforcement: { programmedMs: 0 },
    tries: 0,
    steps: [],
    probes: [],
  };
  const times = new StepTimes();
  try {
    await times.time('deployed', () => deploy(run));
    // Re-planned with the real addresses (ipBlock rules, external hosts).
    replan(run);
    report.policies = policyTexts(run);
    // The nodes' counters as last read for this recipe, per family: each probe's "before" (see ProbeContext).
    replaceBaseline(run.baseline, await times.time('programmed', () => waitProgrammed(run.plan, run.placement, ctx)));
    await times.time('servers answer', () => waitServersAnswer(run.plan.fixtures, run.placement, ctx));

    for (const attempt of [1, 2] as const) {
      throwIfCancelled(ctx.signal);
      report.tries = attempt;
      // A second try starts where the first did: the fixtures as deployed, no policy.
      if (attempt === 2) await times.time('reset', () => resetRun(run));
      const probes = await times.time(`try ${attempt}`, () => runTry(run, attempt, report));
      if (probes.every((p) => p.verdict === 'pass')) break;
      ctx.log.warn(`recipe ${recipe.id}: ${probes.filter((p) => p.verdict === 'fail').length} probe(s) differ from the oracle${attempt === 1 ? '; probing the recipe once more in full' : ''}`);
    }
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    // Setup failed: every probe not yet run is check-failed with the reason. Never `blocked`.
    const why = `setup failed: ${messageOf(e)}${/the cluster is broken/.test(messageOf(e)) ? '' : healthNote(ctx.cluster)}`;
    ctx.log.error(`recipe ${recipe.id}: ${why}`);
    report.tries = Math.max(report.tries, 1);
    const done = new Set(report.probes.filter((p) => p.try === report.tries).map((p) => p.id));
    for (const probe of run.plan.probes.filter((p) => !done.has(p.id))) {
      report.probes.push(failedProbe(probe, report.tries as 1 | 2, why));
    }
  } finally {
    report.enforcement.programmedMs = Math.max(0, ...lastTrySteps(report).map((s) => s.enforcedMs));
    if (ctx.finishLater && !ctx.signal.aborted) ctx.finishLater(`teardown of recipe ${recipe.id}`, () => teardown.unwind());
    else await times.time('torn down', () => teardown.unwind());
    ctx.log.info(`recipe ${recipe.id}: ${times}`);
  }
  return report;
}

/** One try: every step in order, each followed by the probes of its phase. */
async function runTry(run: RecipeRun, attempt: 1 | 2, report: RecipeReport): Promise<ProbeReport[]> {
  const results: ProbeReport[] = [];
  for (const [index, step] of run.recipe.steps.entries()) {
    throwIfCancelled(run.ctx.signal);
    const enforcedMs = await runStep(run, index);
    report.steps.push({ name: step.name, try: attempt, changes: stepChanges(step), enforcedMs });
    if (enforcedMs > 0) run.ctx.log.info(`recipe ${run.recipe.id}: step ${step.name} enforced in ${enforcedMs} ms`);
    const probes = await probePhase(run, run.plan.steps[index]!, attempt);
    results.push(...probes);
    report.probes.push(...probes);
  }
  return results;
}

/** Every version of every policy the recipe applies, as sent (with the step that sends it, in a recipe with steps). */
function policyTexts(run: RecipeRun): RecipeReport['policies'] {
  return run.plan.steps.flatMap((step) =>
    step.changes.flatMap((change) =>
      change.kind === 'apply' ? [{ name: policyLabel(change.policy), yaml: stringify(appliedObject(change.policy)), ...(run.recipe.stepped ? { step: step.name } : {}) }] : [],
    ),
  );
}

/** How long each step of a recipe took, for its log line. */
class StepTimes {
  private readonly steps: string[] = [];

  async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const started = Date.now();
    try {
      return await work();
    } finally {
      this.steps.push(`${step} ${Date.now() - started} ms`);
    }
  }

  toString(): string {
    return this.steps.join(', ');
  }
}

async function deploy(run: RecipeRun): Promise<void> {
  const { plan, ctx, teardown, placement } = run;
  // Each kind of object is created all at once (every teardown registered first), and each step
  // waits for the whole previous one: pods need their namespaces.
  teardown.defer(`namespaces ${plan.namespaces.map((ns) => ns.name).join(', ')}`, () =>
    settled(plan.namespaces.map((ns) => ctx.cluster.deleteNamespace(ns.name))).then(() => undefined),
  );
  await settled(plan.namespaces.map((ns) => ctx.cluster.createNamespace(ns.name, ns.labels)));
  // Tiers and global policies are cluster-wide, and Calico's namespaced policies outlive a deleted
  // namespace where no namespace controller runs: the recipe deletes what it applied (policies
  // before their tiers), whatever step it got to. Unwound before the namespaces go.
  teardown.defer(`policies of recipe ${plan.recipe.id}`, async () => {
    for (const policy of [...run.plan.policies].reverse()) await ctx.objects.delete(appliedObject(policy) as unknown as KubeObject);
  });
  // Namespaced, so they go with their namespace; created before the pods that run as them.
  await settled(
    plan.serviceAccounts.map((account) =>
      ctx.objects.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account.name, namespace: account.namespace, labels: account.labels } }),
    ),
  );
  const externalName = (host: { name: string }): string => `${plan.recipe.id}-${host.name}-${ctx.suffix}`;
  teardown.defer(`external hosts of recipe ${plan.recipe.id}`, () =>
    settled(plan.externals.map((host) => ctx.cluster.deleteExternalHost(externalName(host)))).then(() => undefined),
  );
  await settled(
    plan.externals.map(async (host) => {
      const handle = await ctx.cluster.createExternalHost(externalName(host), host.serve);
      placement.externals.set(host.name, { ip: handle.ip, host: handle.name, ...(handle.ips ? { ips: handle.ips } : {}) });
    }),
  );
  await deployPods(run, plan.fixtures);
}

async function waitProgrammed(plan: RecipePlan, placement: Placement, ctx: RecipeContext): Promise<FamilySnapshots> {
  let missing: string[] = [];
  return poll(
    'felix to program every fixture pod',
    { timeoutMs: ctx.enforceTimeoutMs, intervalMs: 50, signal: ctx.signal, failFast: failFastOnBrokenCluster(ctx.cluster), describeLast: () => `no endpoint chains yet for ${missing.join(', ')}` },
    async () => {
      const snapshots = await readFamilies(ctx, nodesOf(placement));
      missing = [...snapshots].flatMap(([family, nodes]) =>
        plan.model.pods
          .filter((pod) => !podProgrammed(nodes.get(placement.pods.get(`${pod.namespace}/${pod.name}`)!.node)!, pod))
          .map((pod) => `${pod.namespace}/${pod.name}${familyNote(family, ctx)}`),
      );
      return missing.length === 0 ? snapshots : undefined;
    },
  );
}

/** The probes of a step's phase, one after another: a probe's counters must be its own. */
async function probePhase(run: RecipeRun, step: PlannedStep, attempt: 1 | 2): Promise<ProbeReport[]> {
  const { ctx } = run;
  // A probe reads the counters of its own family, and keeps that family's reads for the next.
  const probeCtx = (family: IpFamily, counters: CounterReaders): ProbeContext => ({
    cluster: ctx.cluster,
    counters,
    calicoVersion: ctx.calicoVersion,
    placement: run.placement,
    policies: policyRefs({ policies: step.policies }),
    tierNames: Object.fromEntries(Object.entries(run.plan.tierNames).map(([recipe, deployed]) => [deployed, recipe])),
    timeouts: ctx.timeouts,
    blockedBy: ctx.blockedBy,
    baseline: baselineOf(run.baseline, family),
    signal: ctx.signal,
  });
  const contexts = new Map([...ctx.counters].map(([family, counters]) => [family, probeCtx(family, counters)]));
  const results: ProbeReport[] = [];
  for (const probe of run.plan.probes.filter((p) => p.phase === step.name)) {
    throwIfCancelled(ctx.signal);
    const probeContext = contexts.get(probe.family);
    const result = probeContext ? await runProbe(probe, attempt, probeContext) : failedProbe(probe, attempt, `no ${probe.family} counters on this cluster`);
    results.push(result);
    ctx.onProbe?.(result);
  }
  return results;
}
