// A recipe while it runs: its plan (made again whenever a step adds a pod, whose address only
// then is known), where its pods and hosts are, the nodes' last counter reads of each address
// family, and its teardown.
// The steps (step-runner.ts) and the recipe runner both work on it.
import type { FixturePod } from '../cluster/provider.ts';
import type { CounterSnapshot } from '../counters/index.ts';
import type { TeardownStack } from '../lifecycle/index.ts';
import { poll } from '../lifecycle/index.ts';
import { failFastOnBrokenCluster } from './cluster-health.ts';
import type { IpFamily, PodString } from '../model/types.ts';
import { classifyProbe, probeCommand } from '../probe/command.ts';
import { planRecipe } from '../recipes/index.ts';
import type { Recipe, RecipePlan } from '../recipes/index.ts';
import { readNodes } from './node-counters.ts';
import type { Placement } from './probe-runner.ts';
import type { RecipeContext } from './recipe-runner.ts';

export interface RecipeRun {
  recipe: Recipe;
  ctx: RecipeContext;
  plan: RecipePlan;
  placement: Placement;
  /** Each family's counters of the nodes as last read for this recipe: each probe's "before" (see ProbeContext). */
  baseline: FamilySnapshots;
  teardown: TeardownStack;
  /** Pods placed so far: the next one goes on the node after the last one's. */
  placed: number;
}

export type NodeSnapshots = Map<string, CounterSnapshot>;
/** Each family's latest full read of each node: felix programs each family's rules apart. */
export type FamilySnapshots = Map<IpFamily, NodeSnapshots>;

/** The address families the recipe runs over: the cluster's, one set of counter readers each. */
export function runFamilies(ctx: RecipeContext): IpFamily[] {
  return [...ctx.counters.keys()];
}

export function selectProbes(plan: RecipePlan, ctx: RecipeContext): RecipePlan {
  return ctx.selectProbe ? { ...plan, probes: plan.probes.filter(ctx.selectProbe) } : plan;
}

/** The plan again, with every address known so far (pods, external hosts). */
export function replan(run: RecipeRun): void {
  run.plan = selectProbes(
    planRecipe(
      run.recipe,
      run.ctx.suffix,
      {
        externals: Object.fromEntries([...run.placement.externals].map(([name, e]) => [name, e.ips ?? e.ip])),
        pods: Object.fromEntries([...run.placement.pods].map(([name, p]) => [name, p.ips ?? p.ip])),
      },
      { families: runFamilies(run.ctx) },
    ),
    run.ctx,
  );
}

/**
 * Deploys pods all at once, each deletion registered first. Pods spread over the nodes in the
 * order the recipe declares or adds them, whatever else runs beside the recipe.
 */
export async function deployPods(run: RecipeRun, fixtures: readonly FixturePod[]): Promise<void> {
  const { ctx } = run;
  const nodes = ctx.cluster.workloadNodes ?? [];
  const pods = fixtures.map((fixture) => {
    const node = fixture.node ?? nodes[run.placed++ % Math.max(nodes.length, 1)];
    return node === undefined ? fixture : { ...fixture, node };
  });
  const names = pods.map((p): PodString => `${p.namespace}/${p.name}`);
  run.teardown.defer(`pods ${names.join(', ')} of recipe ${run.recipe.id}`, () =>
    settled(names.map((pod) => ctx.cluster.deletePod(pod))).then(() => undefined),
  );
  const deployed = await settled(pods.map((fixture) => ctx.cluster.deployPod(fixture)));
  for (const d of deployed) run.placement.pods.set(d.pod, { node: d.node, ip: d.ip, ...(d.ips ? { ips: d.ips } : {}) });
}

export function nodesOf(placement: Placement): string[] {
  return [...new Set([...placement.pods.values()].map((p) => p.node))];
}

/** A full read of these nodes in every family the recipe probes over. */
export async function readFamilies(ctx: RecipeContext, nodes: readonly string[]): Promise<FamilySnapshots> {
  const reads = await Promise.all([...ctx.counters].map(async ([family, readers]) => [family, await readNodes(readers, nodes, ctx.signal)] as const));
  return new Map(reads);
}

/** " (IPv6)" in a message, where the run has more than one family. */
export function familyNote(family: IpFamily, ctx: RecipeContext): string {
  return ctx.counters.size > 1 ? ` (${family})` : '';
}

/** A new chain layout (a step carried out): each family's kept reads start over from this one. */
export function replaceBaseline(baseline: FamilySnapshots, snapshots: FamilySnapshots): void {
  for (const [family, nodes] of snapshots) {
    const kept = baselineOf(baseline, family);
    kept.clear();
    for (const [node, snapshot] of nodes) kept.set(node, snapshot);
  }
}

/** The kept reads of one family (a probe's ProbeContext.baseline), made on first use. */
export function baselineOf(baseline: FamilySnapshots, family: IpFamily): NodeSnapshots {
  let kept = baseline.get(family);
  if (!kept) baseline.set(family, (kept = new Map()));
  return kept;
}

/** Every served TCP port answers from inside its own pod, before any probe counts. */
export async function waitServersAnswer(fixtures: readonly FixturePod[], placement: Placement, ctx: RecipeContext): Promise<void> {
  const timeouts = { connectSeconds: 1 };
  const checks = fixtures.flatMap((fixture) =>
    fixture.serve.filter((p) => p.protocol === 'TCP').map((port) => ({ pod: `${fixture.namespace}/${fixture.name}` as const, port: port.port })),
  );
  await Promise.all(
    checks.map(async ({ pod, port }) => {
      const ip = placement.pods.get(pod)!.ip;
      let last = '';
      await poll(
        `${pod} to answer on TCP ${port}`,
        { timeoutMs: ctx.serverTimeoutMs ?? 20_000, intervalMs: 50, signal: ctx.signal, failFast: failFastOnBrokenCluster(ctx.cluster), describeLast: () => last },
        async () => {
          const result = await ctx.cluster.execInPod(pod, probeCommand('tcp', ip, port, timeouts), { timeoutMs: 5000, signal: ctx.signal });
          last = classifyProbe('tcp', result, timeouts).detail;
          return last === 'connected' ? true : undefined;
        },
      );
    }),
  );
}

/** Awaits every promise, then throws the first failure: no step is left running unobserved. */
export async function settled<T>(work: Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(work);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
