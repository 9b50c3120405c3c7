// Captures real felix state for the step-enforcement tests: carries out steps-capture.yaml on a
// netns cluster and, after each step has settled, saves every node's filter rules and IP sets.
//
// Usage (root): npx tsx lib/run/testdata/capture-steps.ts <dataplane> [calico version]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNetnsCluster } from '../../cluster/netns/index.ts';
import type { Dataplane } from '../../cluster/provider.ts';
import { ipSetReadCommand, tableReadCommand } from '../../counters/index.ts';
import { KubeClient, type KubeObject } from '../../kube/client.ts';
import { createRootSignal, sleep } from '../../lifecycle/index.ts';
import { parseRecipe, planRecipe } from '../../recipes/index.ts';

const dataplane = (process.argv[2] ?? 'iptables-nft') as Dataplane;
const calicoVersion = process.argv[3] ?? 'v3.32.1';
const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const recipe = parseRecipe(readFileSync(here('steps-capture.yaml'), 'utf8'), 'steps-capture.yaml');
const root = createRootSignal({});
const cluster = await createNetnsCluster({ runId: 'rcap', calicoVersion, dataplane, workDir: `/tmp/capture-steps-${dataplane}`, signal: root.signal, log: (l) => console.log(l) });
try {
  const kube = KubeClient.fromFile(cluster.kubeconfigPath);
  let plan = planRecipe(recipe, '');
  for (const ns of plan.namespaces) await cluster.createNamespace(ns.name, ns.labels);
  const nodes = cluster.workloadNodes ?? cluster.nodes;
  const pods: Record<string, { ip: string; node: string }> = {};
  for (const [i, fixture] of plan.fixtures.entries()) {
    const deployed = await cluster.deployPod({ ...fixture, node: nodes[i % nodes.length]! });
    pods[deployed.pod] = { ip: deployed.ip, node: deployed.node };
  }
  plan = planRecipe(recipe, '', { pods: Object.fromEntries(Object.entries(pods).map(([pod, p]) => [pod, p.ip])) });
  const prefix = `felix-${calicoVersion}-${dataplane}-steps`;
  for (const step of plan.steps) {
    for (const change of step.changes) {
      if (change.kind === 'apply') await kube.apply(change.policy as unknown as KubeObject);
      else if (change.kind === 'delete') await kube.delete(change.policy as unknown as KubeObject);
      else if (change.kind === 'relabel-namespace') await kube.setLabels({ kind: 'Namespace', name: change.namespace }, change.labels);
      else if (change.kind === 'relabel-pod') {
        const [namespace, name] = change.pod.split('/') as [string, string];
        await kube.setLabels({ kind: 'Pod', namespace, name }, change.labels);
      } else throw new Error(`not captured: ${change.kind}`);
    }
    // A capture tool may sleep: felix settles within a second here, and the tests read what it wrote.
    await sleep(3000, root.signal);
    for (const node of cluster.nodes) {
      const ext = dataplane === 'nftables' ? 'json' : 'txt';
      const rules = await cluster.execOnNode(node, tableReadCommand(dataplane), { timeoutMs: 10_000 });
      const sets = await cluster.execOnNode(node, ipSetReadCommand(dataplane), { timeoutMs: 10_000 });
      if (rules.exitCode !== 0 || sets.exitCode !== 0) throw new Error(`reading ${node} failed: ${rules.stderr}${sets.stderr}`);
      writeFileSync(here(`${prefix}.${step.name}.${node}.rules.${ext}`), rules.stdout);
      writeFileSync(here(`${prefix}.${step.name}.${node}.ipsets.${ext}`), sets.stdout);
    }
    console.log(`captured step ${step.name}`);
  }
  writeFileSync(here(`${prefix}.meta.json`), JSON.stringify({ calicoVersion, dataplane, nodes: cluster.nodes, pods }, null, 2) + '\n');
} finally {
  await cluster.destroy();
  root[Symbol.dispose]();
}
