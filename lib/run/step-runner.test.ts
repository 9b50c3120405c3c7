// Recipes with steps, run by the engine against the simulated cluster (lib/testing): every kind
// of change carried out, each step's probes judged by the state it leaves, the steps and their
// times in the report, and the reset before a second try. End-to-end runs live in suites/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { KubeObject, LabelTarget } from '../kube/client.ts';
import type { Logger } from '../log.ts';
import { SimulatedCluster, type SimulatedClusterOptions } from '../testing/simulated-cluster.ts';
import { runCatalog, type CatalogResult } from './catalog.ts';
import { defaultRunOptions, type RunOptions } from './options.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const stepped = ['calico-deny-all-steps', 'k8s-updated-policy', 'k8s-updated-namespace', 'k8s-updated-pod-allow', 'k8s-updated-pod-deny', 'k8s-deleted-policies', 'k8s-stacked-policies'];

describe('recipes with steps (simulated cluster)', function () {
  this.timeout(30_000);
  let reportsDir: string;
  beforeEach(() => (reportsDir = mkdtempSync(join(tmpdir(), 'netpol-steps-'))));
  afterEach(() => rmSync(reportsDir, { recursive: true, force: true }));

  async function run(options: Partial<RunOptions>, sim: SimulatedClusterOptions = {}): Promise<{ result: CatalogResult; cluster: SimulatedCluster }> {
    const cluster = new SimulatedCluster(sim);
    const result = await runCatalog(
      { ...defaultRunOptions(), calicoVersion: 'v3.31.0', reportsDir, runId: 'rsim', ...options },
      {},
      { createCluster: async () => cluster, objects: () => cluster, watchIntervalMs: 1, enforceTimeoutMs: 2000, serverTimeoutMs: 2000, log: quiet },
    );
    return { result, cluster };
  }

  it('carries out every kind of change, and every step\'s probes agree with the oracle and name their rule', async () => {
    const { result, cluster } = await run({ recipes: stepped, concurrency: 3 });
    expect(result.problems).to.deep.equal([]);
    const report = (id: string) => result.report.recipes.find((r) => r.id === id)!;
    const steps = report('calico-deny-all-steps').steps;
    expect(steps.map((s) => `${s.try} ${s.name}`)).to.deep.equal(['1 before', '1 deny-all', '1 allow-client', '1 second-client', '1 delete-deny']);
    expect(steps.map((s) => s.changes)).to.deep.equal([
      [],
      [{ kind: 'apply', target: 'default/deny-all' }],
      [{ kind: 'apply', target: 'default/allow-client' }],
      [{ kind: 'add-pod', target: 'default/client-2', labels: { role: 'client' } }],
      [{ kind: 'delete', target: 'default/deny-all' }],
    ]);
    expect(steps[0]!.enforcedMs).to.equal(0);
    expect(report('k8s-updated-namespace').steps[1]!.changes).to.deep.equal([{ kind: 'relabel-namespace', target: 'y', labels: { ns2: 'updated' } }]);
    expect(report('k8s-updated-pod-allow').steps[1]!.changes).to.deep.equal([{ kind: 'relabel-pod', target: 'x/b', labels: { pod: 'b', pod2: 'updated' } }]);
    // The updated policy is listed once per version, with the step that applied it.
    expect(report('k8s-updated-policy').policies.map((p) => `${p.name} ${p.step}`)).to.deep.equal([
      'x-k8s-updated-policy-rsim/allow-all-mutate-to-deny-all allow-all',
      'x-k8s-updated-policy-rsim/allow-all-mutate-to-deny-all deny-all',
    ]);
    for (const recipe of result.report.recipes) {
      expect(recipe.enforcement.programmedMs, recipe.id).to.equal(Math.max(...recipe.steps.map((s) => s.enforcedMs)));
      for (const p of recipe.probes) {
        expect(recipe.steps.map((s) => s.name), `${recipe.id} ${p.id}`).to.include(p.phase);
        expect(p.decidedBy, `${recipe.id} ${p.id}`).to.not.equal(null);
      }
    }
    // A step's probes see the state the step leaves: client-2, added by second-client, gets in.
    const late = report('calico-deny-all-steps').probes.filter((p) => p.from === 'default/client-2' && p.protocol === 'tcp');
    expect(late.map((p) => `${p.phase} ${p.observed} ${p.decidedBy?.kind}`)).to.deep.equal(['second-client allowed policy-allow', 'delete-deny allowed policy-allow']);
    expect(cluster.namespaces.size).to.equal(0);
    expect(cluster.pods.size).to.equal(0);
  });

  it('resets a recipe to its fixtures before a second try: policies gone, labels restored, added pods removed', async () => {
    let failOnce = true;
    const states: { probe: string; policies: number; clientLabels?: string; client2: boolean }[] = [];
    const holder: { cluster?: SimulatedCluster } = {};
    const misbehave = (p: { from: string; protocol: string }): boolean => {
      const fail = failOnce && p.from.endsWith('/client-2') && p.protocol === 'tcp';
      if (fail) failOnce = false;
      return fail;
    };
    const onProbe = (p: { from: string; to: string }): void => {
      // A server's own check (from itself) is not one of the recipe's probes.
      if (p.from === p.to) return;
      const sim = holder.cluster!;
      states.push({ probe: `${p.from} -> ${p.to}`, policies: sim.policies.size, client2: [...sim.pods.keys()].some((k) => k.endsWith('/client-2')) });
    };
    const sim = new SimulatedCluster({ misbehave, onProbe, timeScale: 0.02 });
    holder.cluster = sim;
    const result = await runCatalog(
      { ...defaultRunOptions(), calicoVersion: 'v3.31.0', reportsDir, runId: 'rsim', recipes: ['calico-deny-all-steps'] },
      {},
      { createCluster: async () => sim, objects: () => sim, watchIntervalMs: 1, enforceTimeoutMs: 2000, serverTimeoutMs: 2000, log: quiet },
    );
    const recipe = result.report.recipes[0]!;
    expect(recipe.tries).to.equal(2);
    expect(result.exitCode).to.equal(0);
    expect(recipe.steps.map((s) => `${s.try} ${s.name}`)).to.deep.equal([
      ...['before', 'deny-all', 'allow-client', 'second-client', 'delete-deny'].map((s) => `1 ${s}`),
      ...['before', 'deny-all', 'allow-client', 'second-client', 'delete-deny'].map((s) => `2 ${s}`),
    ]);
    // The first probe of each try: no policy, no added pod (try 1 ended with one policy and client-2).
    const perTry = recipe.probes.filter((p) => p.try === 1).length;
    expect(states[0]).to.deep.include({ policies: 0, client2: false });
    expect(states[perTry - 1]).to.deep.include({ policies: 1, client2: true });
    expect(states[perTry]).to.deep.include({ policies: 0, client2: false });
  });

  it('restores relabelled pods before a second try', async () => {
    const seen: Record<string, string>[] = [];
    const holder: { cluster?: SimulatedCluster } = {};
    let failOnce = true;
    const sim = new SimulatedCluster({
      timeScale: 0.02,
      misbehave: (p) => {
        const fail = failOnce && p.protocol === 'icmp';
        if (fail) failOnce = false;
        return fail;
      },
      onProbe: (p) => {
        if (p.from === p.to) return;
        const labels = (pod: string) => JSON.stringify(holder.cluster!.pods.get(pod as `${string}/${string}`)?.spec.labels);
        seen.push({ b: labels('x-k8s-updated-pod-allow-rsim/b') });
      },
    });
    holder.cluster = sim;
    const result = await runCatalog(
      { ...defaultRunOptions(), calicoVersion: 'v3.31.0', reportsDir, runId: 'rsim', recipes: ['k8s-updated-pod-allow'] },
      {},
      { createCluster: async () => sim, objects: () => sim, watchIntervalMs: 1, enforceTimeoutMs: 2000, serverTimeoutMs: 2000, log: quiet },
    );
    const recipe = result.report.recipes[0]!;
    expect(recipe.tries).to.equal(2);
    const perTry = recipe.probes.filter((p) => p.try === 1).length;
    expect(seen[perTry - 1]!.b).to.equal(JSON.stringify({ pod: 'b', pod2: 'updated' }));
    expect(seen[perTry]!.b).to.equal(JSON.stringify({ pod: 'b' }));
    expect(result.exitCode).to.equal(0);
  });

  it('deletes what a recipe applied when it ends, cluster-wide Calico resources included, policies before their tiers', async () => {
    const sim = new SimulatedCluster({ timeScale: 0.02 });
    const deleted: string[] = [];
    const objects = {
      apply: (o: KubeObject) => sim.apply(o),
      setLabels: (target: LabelTarget, labels: Record<string, string>) => sim.setLabels(target, labels),
      delete: (o: KubeObject) => {
        deleted.push(`${o.kind} ${o.metadata.name}`);
        return sim.delete(o);
      },
    };
    await runCatalog(
      { ...defaultRunOptions(), calicoVersion: 'v3.31.0', reportsDir, runId: 'rsim', recipes: ['calico-security-tier'] },
      {},
      { createCluster: async () => sim, objects: () => objects, watchIntervalMs: 1, enforceTimeoutMs: 500, serverTimeoutMs: 2000, log: quiet },
    );
    const tier = deleted.lastIndexOf('Tier security-calico-security-tier-rsim');
    const global = deleted.lastIndexOf('GlobalNetworkPolicy security-calico-security-tier-rsim.deny-untrusted');
    expect(tier, deleted.join(', ')).to.be.greaterThan(-1);
    expect(global, deleted.join(', ')).to.be.greaterThan(-1);
    expect(global).to.be.lessThan(tier);
  });
});
