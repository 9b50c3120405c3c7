// One recipe, carried out on a cluster: namespaces, fixtures and external hosts; the "before"
// probes; the policies applied and their enforcement read from the nodes; the "after" probes.
// When anything differs from the oracle the recipe is probed once more in full, and both tries
// are kept in the report: nothing is retried silently.
import { stringify } from 'yaml';
import type { Cluster, Dataplane } from '../cluster/provider.ts';
import { messageOf } from '../errors.ts';
import type { KubeClient } from '../kube/client.ts';
import type { Logger } from '../log.ts';
import type { PolicyResource } from '../model/types.ts';
import { probeCommand, classifyProbe, type ProbeTimeouts } from '../probe/command.ts';
import { appliedObject, planRecipe, policyLabel, policyRefs } from '../recipes/index.ts';
import type { PlannedProbe, Recipe, RecipePlan } from '../recipes/index.ts';
import type { ProbeReport, RecipeReport } from '../report/schema.ts';
import { checkEnforcement, podProgrammed } from './enforcement.ts';
import { TeardownStack, throwIfCancelled } from './lifecycle.ts';
import { snapshotNodes } from './node-counters.ts';
import { probeReportBase, runProbe, type Placement, type ProbeContext } from './probe-runner.ts';
import { waitFor } from './wait.ts';

export interface RecipeContext {
  cluster: Cluster;
  kube: KubeClient;
  dataplane: Dataplane;
  calicoVersion: string;
  runId: string;
  timeouts: ProbeTimeouts;
  /** How long felix may take to program endpoints and policies. */
  enforceTimeoutMs: number;
  signal: AbortSignal;
  log: Logger;
  onProbe?: (probe: ProbeReport) => void;
}

export async function runRecipe(recipe: Recipe, ctx: RecipeContext): Promise<RecipeReport> {
  const teardown = new TeardownStack(ctx.log);
  let plan = planRecipe(recipe, ctx.runId);
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
  try {
    const placement = await deploy(plan, ctx, teardown);
    plan = planRecipe(recipe, ctx.runId, {
      externals: Object.fromEntries([...placement.externals].map(([name, e]) => [name, e.ip])),
      pods: Object.fromEntries([...placement.pods].map(([name, p]) => [name, p.ip])),
    });
    report.policies = plan.policies.map((p) => ({ name: policyLabel(p), yaml: stringify(appliedObject(p)) }));
    await waitProgrammed(plan, placement, ctx);
    await waitServersAnswer(plan, placement, ctx);

    for (const attempt of [1, 2] as const) {
      throwIfCancelled(ctx.signal);
      report.tries = attempt;
      const probes = await runTry(plan, placement, attempt, ctx, report);
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
    await teardown.unwind();
  }
  return report;
}

async function deploy(plan: RecipePlan, ctx: RecipeContext, teardown: TeardownStack): Promise<Placement> {
  const placement: Placement = { pods: new Map(), externals: new Map() };
  for (const ns of plan.namespaces) {
    teardown.defer(`namespace ${ns.name}`, () => ctx.cluster.deleteNamespace(ns.name));
    await ctx.cluster.createNamespace(ns.name, ns.labels);
  }
  // Namespaced, so they go with their namespace; created before the pods that run as them.
  for (const account of plan.serviceAccounts) {
    await ctx.kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: account.name, namespace: account.namespace, labels: account.labels } });
  }
  for (const host of plan.externals) {
    // External hosts live as long as the cluster; the provider removes them at teardown.
    const handle = await ctx.cluster.createExternalHost(`${plan.recipe.id}-${host.name}`, host.serve);
    placement.externals.set(host.name, { ip: handle.ip, host: handle.name });
  }
  for (const fixture of plan.fixtures) {
    const pod = `${fixture.namespace}/${fixture.name}` as const;
    teardown.defer(`pod ${pod}`, () => ctx.cluster.deletePod(pod));
    const deployed = await ctx.cluster.deployPod(fixture);
    placement.pods.set(pod, { node: deployed.node, ip: deployed.ip });
  }
  return placement;
}

function nodesOf(placement: Placement): string[] {
  return [...new Set([...placement.pods.values()].map((p) => p.node))];
}

async function waitProgrammed(plan: RecipePlan, placement: Placement, ctx: RecipeContext): Promise<void> {
  let missing: string[] = [];
  await waitFor(
    'felix to program every fixture pod',
    { timeoutMs: ctx.enforceTimeoutMs, signal: ctx.signal },
    async () => {
      const snapshots = await snapshotNodes(ctx.cluster, nodesOf(placement), ctx.dataplane, ctx.signal);
      missing = plan.model.pods
        .filter((pod) => !podProgrammed(snapshots.get(placement.pods.get(`${pod.namespace}/${pod.name}`)!.node)!, pod))
        .map((pod) => `${pod.namespace}/${pod.name}`);
      return missing.length === 0 ? true : undefined;
    },
    () => `no endpoint chains yet for ${missing.join(', ')}`,
  );
}

/** Every served TCP port answers from inside its own pod, before any probe counts. */
async function waitServersAnswer(plan: RecipePlan, placement: Placement, ctx: RecipeContext): Promise<void> {
  for (const fixture of plan.fixtures) {
    const pod = `${fixture.namespace}/${fixture.name}` as const;
    const ip = placement.pods.get(pod)!.ip;
    for (const port of fixture.serve.filter((p) => p.protocol === 'TCP')) {
      let last = '';
      await waitFor(
        `${pod} to answer on TCP ${port.port}`,
        { timeoutMs: 20_000, signal: ctx.signal },
        async () => {
          const result = await ctx.cluster.execInPod(pod, probeCommand('tcp', ip, port.port, { connectSeconds: 1 }), { timeoutMs: 5000, signal: ctx.signal });
          const outcome = classifyProbe('tcp', result);
          last = outcome.detail;
          return outcome.detail === 'connected' ? true : undefined;
        },
        () => last,
      );
    }
  }
}

async function runTry(
  plan: RecipePlan,
  placement: Placement,
  attempt: 1 | 2,
  ctx: RecipeContext,
  report: RecipeReport,
): Promise<ProbeReport[]> {
  const probeCtx: ProbeContext = {
    cluster: ctx.cluster,
    dataplane: ctx.dataplane,
    calicoVersion: ctx.calicoVersion,
    placement,
    policies: policyRefs(plan),
    tierNames: Object.fromEntries(Object.entries(plan.tierNames).map(([recipe, deployed]) => [deployed, recipe])),
    timeouts: ctx.timeouts,
    signal: ctx.signal,
  };
  const results: ProbeReport[] = [];
  const run = async (probes: PlannedProbe[]): Promise<void> => {
    for (const probe of probes) {
      throwIfCancelled(ctx.signal);
      const result = await runProbe(probe, attempt, probeCtx);
      results.push(result);
      ctx.onProbe?.(result);
    }
  };

  await run(plan.probes.filter((p) => p.phase === 'before'));
  const applied = Date.now();
  try {
    for (const policy of plan.policies) await ctx.kube.apply(appliedObject(policy) as unknown as Parameters<KubeClient['apply']>[0]);
    await waitEnforced(plan, placement, plan.policies, ctx, false);
    report.enforcement.programmedMs = Date.now() - applied;
    ctx.log.info(`recipe ${plan.recipe.id}: ${plan.policies.length} policies enforced in ${report.enforcement.programmedMs} ms`);
    await run(plan.probes.filter((p) => p.phase === 'after'));
  } finally {
    if (!ctx.signal.aborted) {
      // Policies before the tiers they are in (plan.policies lists tiers first).
      for (const policy of [...plan.policies].reverse()) await ctx.kube.delete(appliedObject(policy) as unknown as Parameters<KubeClient['delete']>[0]);
      await waitEnforced(plan, placement, plan.policies, ctx, true);
    }
  }
  return results;
}

async function waitEnforced(
  plan: RecipePlan,
  placement: Placement,
  policies: readonly PolicyResource[],
  ctx: RecipeContext,
  absent: boolean,
): Promise<void> {
  let missing: string[] = [];
  const podNodes = new Map([...placement.pods].map(([pod, p]) => [pod, p.node]));
  await waitFor(
    absent ? 'felix to remove the recipe\'s policies' : 'felix to enforce the recipe\'s policies',
    { timeoutMs: ctx.enforceTimeoutMs, intervalMs: 100, signal: ctx.signal },
    async () => {
      const snapshots = await snapshotNodes(ctx.cluster, nodesOf(placement), ctx.dataplane, ctx.signal);
      missing = checkEnforcement(plan.model, policies, { podNodes, snapshots, calicoVersion: ctx.calicoVersion }, absent).missing;
      return missing.length === 0 ? true : undefined;
    },
    () => missing.slice(0, 5).join('; '),
  );
}

function failedProbe(probe: PlannedProbe, attempt: 1 | 2, detail: string): ProbeReport {
  return {
    ...probeReportBase(probe, attempt),
    observed: 'check-failed',
    detail,
    verdict: 'fail',
    durationMs: 0,
    command: '',
    counters: { deltas: [] },
    decidedBy: null,
  };
}
