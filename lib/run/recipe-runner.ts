// One recipe, carried out on a cluster, as a list of steps: deploy (namespaces, external hosts,
// pods), wait until felix has programmed every pod and every server answers, then up to two
// tries of [probe phase "before", apply the policies and wait until enforced, probe phase
// "after", remove the policies]. When anything differs from the oracle the recipe is probed once
// more in full, and both tries are kept in the report: nothing is retried silently.
import { stringify } from 'yaml';
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { podProgrammed } from '../counters/index.ts';
import type { CounterSnapshot } from '../counters/index.ts';
import { messageOf } from '../errors.ts';
import type { KubeObject } from '../kube/client.ts';
import { poll, TeardownStack, throwIfCancelled } from '../lifecycle/index.ts';
import type { Logger } from '../log.ts';
import type { IpFamily, PolicyResource } from '../model/types.ts';
import { classifyProbe, probeCommand, type ProbeTimeouts } from '../probe/command.ts';
import { appliedObject, planRecipe, policyLabel, policyRefs } from '../recipes/index.ts';
import type { Phase, PlannedProbe, Recipe, RecipePlan } from '../recipes/index.ts';
import type { ProbeReport, RecipeReport } from '../report/schema.ts';
import { checkEnforcement } from './enforcement.ts';
import { readNodes, type CounterReaders, type FamilyCounterReaders } from './node-counters.ts';
import type { BlockedBy } from './options.ts';
import { failedProbe, runProbe, type Placement, type ProbeContext } from './probe-runner.ts';

/** Applies and deletes Kubernetes objects (the KubeClient; a test double in unit tests). */
export interface ObjectApi {
  apply(object: KubeObject): Promise<unknown>;
  delete(object: KubeObject): Promise<unknown>;
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
  const families = [...ctx.counters.keys()];
  let plan = selectProbes(planRecipe(recipe, ctx.suffix, {}, { families }), ctx);
  const report: RecipeReport = {
    id: recipe.id,
    title: recipe.title,
    source: recipe.source,
    ...(recipe.notes.length ? { notes: recipe.notes.map((n) => n.text).join('\n') } : {}),
    policies: [],
    enforcement: { programmedMs: 0 },
    tries: 0,
    probes: [],
  };
  const steps = new StepTimes();
  try {
    const placement = await steps.time('deployed', () => deploy(plan, ctx, teardown));
    // Re-planned with the real addresses (ipBlock rules, external hosts).
    plan = selectProbes(
      planRecipe(
        recipe,
        ctx.suffix,
        {
          externals: Object.fromEntries([...placement.externals].map(([name, e]) => [name, e.ips ?? e.ip])),
          pods: Object.fromEntries([...placement.pods].map(([name, p]) => [name, p.ips ?? p.ip])),
        },
        { families },
      ),
      ctx,
    );
    report.policies = plan.policies.map((p) => ({ name: policyLabel(p), yaml: stringify(appliedObject(p)) }));
    // The nodes' counters as last read for this recipe: each probe's "before" (see ProbeContext).
    const baseline: FamilySnapshots = await steps.time('programmed', () => waitProgrammed(plan, placement, ctx));
    await steps.time('servers answer', () => waitServersAnswer(plan, placement, ctx));

    for (const attempt of [1, 2] as const) {
      throwIfCancelled(ctx.signal);
      report.tries = attempt;
      const probes = await steps.time(`try ${attempt}`, () => runTry(plan, placement, baseline, attempt, ctx, report));
      report.probes.push(...probes);
      if (probes.every((p) => p.verdict === 'pass')) break;
      ctx.log.warn(`recipe ${recipe.id}: ${probes.filter((p) => p.verdict === 'fail').length} probe(s) differ from the oracle${attempt === 1 ? '; probing the recipe once more in full' : ''}`);
    }
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    // Setup failed: every probe not yet run is check-failed with the reason. Never `blocked`.
    ctx.log.error(`recipe ${recipe.id}: ${messageOf(e)}`);
    report.tries = Math.max(report.tries, 1);
    const done = new Set(report.probes.filter((p) => p.try === report.tries).map((p) => p.id));
    for (const probe of plan.probes.filter((p) => !done.has(p.id))) {
      report.probes.push(failedProbe(probe, report.tries as 1 | 2, `setup failed: ${messageOf(e)}`));
    }
  } finally {
    if (ctx.finishLater && !ctx.signal.aborted) ctx.finishLater(`teardown of recipe ${recipe.id}`, () => teardown.unwind());
    else await steps.time('torn down', () => teardown.unwind());
    ctx.log.info(`recipe ${recipe.id}: ${steps}`);
  }
  return report;
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

function selectProbes(plan: RecipePlan, ctx: RecipeContext): RecipePlan {
  return ctx.selectProbe ? { ...plan, probes: plan.probes.filter(ctx.selectProbe) } : plan;
}

async function deploy(plan: RecipePlan, ctx: RecipeContext, teardown: TeardownStack): Promise<Placement> {
  const placement: Placement = { pods: new Map(), externals: new Map() };
  // Each kind of object is created all at once (every teardown registered first), and each step
  // waits for the whole previous one: pods need their namespaces.
  teardown.defer(`namespaces ${plan.namespaces.map((ns) => ns.name).join(', ')}`, () =>
    settled(plan.namespaces.map((ns) => ctx.cluster.deleteNamespace(ns.name))).then(() => undefined),
  );
  await settled(plan.namespaces.map((ns) => ctx.cluster.createNamespace(ns.name, ns.labels)));
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
  // Pods spread over the nodes in recipe order, whatever else runs beside the recipe.
  const nodes = ctx.cluster.workloadNodes ?? [];
  const pods = plan.fixtures.map((fixture, i) => {
    const node = fixture.node ?? nodes[i % Math.max(nodes.length, 1)];
    return node === undefined ? fixture : { ...fixture, node };
  });
  teardown.defer(`pods of recipe ${plan.recipe.id}`, () =>
    settled(pods.map((fixture) => ctx.cluster.deletePod(`${fixture.namespace}/${fixture.name}`))).then(() => undefined),
  );
  const deployed = await settled(pods.map((fixture) => ctx.cluster.deployPod(fixture)));
  for (const d of deployed) placement.pods.set(d.pod, { node: d.node, ip: d.ip, ...(d.ips ? { ips: d.ips } : {}) });
  return placement;
}

function nodesOf(placement: Placement): string[] {
  return [...new Set([...placement.pods.values()].map((p) => p.node))];
}

async function waitProgrammed(plan: RecipePlan, placement: Placement, ctx: RecipeContext): Promise<FamilySnapshots> {
  let missing: string[] = [];
  return poll(
    'felix to program every fixture pod',
    { timeoutMs: ctx.enforceTimeoutMs, intervalMs: 50, signal: ctx.signal, describeLast: () => `no endpoint chains yet for ${missing.join(', ')}` },
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

/** A full read of these nodes in every family the recipe probes over. */
async function readFamilies(ctx: RecipeContext, nodes: string[]): Promise<FamilySnapshots> {
  const reads = await Promise.all([...ctx.counters].map(async ([family, readers]) => [family, await readNodes(readers, nodes, ctx.signal)] as const));
  return new Map(reads);
}

/** " (IPv6)" in a message, where the run has more than one family. */
function familyNote(family: IpFamily, ctx: RecipeContext): string {
  return ctx.counters.size > 1 ? ` (${family})` : '';
}

/** Every served TCP port answers from inside its own pod, before any probe counts. */
async function waitServersAnswer(plan: RecipePlan, placement: Placement, ctx: RecipeContext): Promise<void> {
  const timeouts = { connectSeconds: 1 };
  const checks = plan.fixtures.flatMap((fixture) =>
    fixture.serve.filter((p) => p.protocol === 'TCP').map((port) => ({ pod: `${fixture.namespace}/${fixture.name}` as const, port: port.port })),
  );
  await Promise.all(
    checks.map(async ({ pod, port }) => {
      const ip = placement.pods.get(pod)!.ip;
      let last = '';
      await poll(
        `${pod} to answer on TCP ${port}`,
        { timeoutMs: ctx.serverTimeoutMs ?? 20_000, intervalMs: 50, signal: ctx.signal, describeLast: () => last },
        async () => {
          const result = await ctx.cluster.execInPod(pod, probeCommand('tcp', ip, port, timeouts), { timeoutMs: 5000, signal: ctx.signal });
          last = classifyProbe('tcp', result, timeouts).detail;
          return last === 'connected' ? true : undefined;
        },
      );
    }),
  );
}

/** One try: the probes before the policies, the policies applied and enforced, the probes after. */
async function runTry(
  plan: RecipePlan,
  placement: Placement,
  baseline: FamilySnapshots,
  attempt: 1 | 2,
  ctx: RecipeContext,
  report: RecipeReport,
): Promise<ProbeReport[]> {
  const results: ProbeReport[] = [];
  results.push(...(await probePhase(plan, 'before', [], placement, baseline, attempt, ctx)));
  try {
    report.enforcement.programmedMs = await applyPolicies(plan, placement, baseline, ctx);
    results.push(...(await probePhase(plan, 'after', plan.policies, placement, baseline, attempt, ctx)));
  } finally {
    if (!ctx.signal.aborted) await removePolicies(plan, placement, baseline, ctx);
  }
  return results;
}

/** The phase's probes, one after another: a probe's counters must be its own. */
async function probePhase(
  plan: RecipePlan,
  phase: Phase,
  applied: readonly PolicyResource[],
  placement: Placement,
  baseline: FamilySnapshots,
  attempt: 1 | 2,
  ctx: RecipeContext,
): Promise<ProbeReport[]> {
  // A probe reads the counters of its own family, and keeps that family's reads for the next.
  const probeCtx = (family: IpFamily): ProbeContext => ({
    cluster: ctx.cluster,
    counters: ctx.counters.get(family) as CounterReaders,
    calicoVersion: ctx.calicoVersion,
    placement,
    policies: policyRefs({ policies: [...applied] }),
    tierNames: Object.fromEntries(Object.entries(plan.tierNames).map(([recipe, deployed]) => [deployed, recipe])),
    timeouts: ctx.timeouts,
    blockedBy: ctx.blockedBy,
    baseline: baselineOf(baseline, family),
    signal: ctx.signal,
  });
  const contexts = new Map([...ctx.counters.keys()].map((family) => [family, probeCtx(family)]));
  const results: ProbeReport[] = [];
  for (const probe of plan.probes.filter((p) => p.phase === phase)) {
    throwIfCancelled(ctx.signal);
    const probeContext = contexts.get(probe.family);
    const result = probeContext ? await runProbe(probe, attempt, probeContext) : failedProbe(probe, attempt, `no ${probe.family} counters on this cluster`);
    results.push(result);
    ctx.onProbe?.(result);
  }
  return results;
}

/** Applies the recipe's policies and waits until felix enforces them; returns how long that took. */
async function applyPolicies(plan: RecipePlan, placement: Placement, baseline: FamilySnapshots, ctx: RecipeContext): Promise<number> {
  const applied = Date.now();
  for (const policy of plan.policies) await ctx.objects.apply(appliedObject(policy) as unknown as KubeObject);
  replace(baseline, await waitEnforced(plan, placement, ctx, false));
  const ms = Date.now() - applied;
  ctx.log.info(`recipe ${plan.recipe.id}: ${plan.policies.length} policies enforced in ${ms} ms`);
  return ms;
}

async function removePolicies(plan: RecipePlan, placement: Placement, baseline: FamilySnapshots, ctx: RecipeContext): Promise<void> {
  // Policies before the tiers they are in (plan.policies lists tiers first).
  for (const policy of [...plan.policies].reverse()) await ctx.objects.delete(appliedObject(policy) as unknown as KubeObject);
  replace(baseline, await waitEnforced(plan, placement, ctx, true));
}

/** A new chain layout (policies applied or removed): the kept reads start over from this one. */
function replace(baseline: FamilySnapshots, snapshots: FamilySnapshots): void {
  for (const [family, nodes] of snapshots) {
    const kept = baselineOf(baseline, family);
    kept.clear();
    for (const [node, snapshot] of nodes) kept.set(node, snapshot);
  }
}

/** The kept reads of one family (a probe's ProbeContext.baseline), made on first use. */
function baselineOf(baseline: FamilySnapshots, family: IpFamily): NodeSnapshots {
  let kept = baseline.get(family);
  if (!kept) baseline.set(family, (kept = new Map()));
  return kept;
}

type NodeSnapshots = Map<string, CounterSnapshot>;
/** Each family's latest full read of each node. */
type FamilySnapshots = Map<IpFamily, NodeSnapshots>;

/** Each family's rules enforce the policies (or, `absent`, no longer reach them): felix writes the two apart. */
async function waitEnforced(plan: RecipePlan, placement: Placement, ctx: RecipeContext, absent: boolean): Promise<FamilySnapshots> {
  let missing: string[] = [];
  const podNodes = new Map([...placement.pods].map(([pod, p]) => [pod, p.node]));
  return poll(
    absent ? "felix to remove the recipe's policies" : "felix to enforce the recipe's policies",
    { timeoutMs: ctx.enforceTimeoutMs, intervalMs: 40, signal: ctx.signal, describeLast: () => missing.slice(0, 5).join('; ') },
    async () => {
      const snapshots = await readFamilies(ctx, nodesOf(placement));
      missing = [...snapshots].flatMap(([family, nodes]) =>
        checkEnforcement(plan.model, plan.policies, { podNodes, snapshots: nodes, calicoVersion: ctx.calicoVersion }, absent).missing.map(
          (line) => `${line}${familyNote(family, ctx)}`,
        ),
      );
      return missing.length === 0 ? snapshots : undefined;
    },
  );
}

/** Awaits every promise, then throws the first failure: no step is left running unobserved. */
async function settled<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
