// Captures real felix state for the step-enforcement tests: carries out steps-capture.yaml on a
// netns cluster and, after each step has settled, saves every node's filter rules and IP sets.
// `dual` captures a dual-stack cluster (felix-<version>-<dataplane>-dual-steps.*): the IPv4
// rules as `rules`, the IPv6 rules (ip6tables, nft `ip6 calico`) as `rules6`, and the IP sets
// of both families in one listing, as the harness reads them.
//
// Usage (root): npx tsx lib/run/testdata/capture-steps.ts <dataplane> [calico version] [ipv4|dual]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createNetnsCluster } from '../../cluster/netns/index.ts';
import type { Dataplane } from '../../cluster/provider.ts';
import { ipSetReadCommand, tableReadCommand } from '../../counters/index.ts';
import { KubeClient, type KubeObject } from '../../kube/client.ts';
import { createRootSignal, sleep } from '../../lifecycle/index.ts';
import type { IpFamily } from '../../model/types.ts';
import { parseRecipe, planRecipe } from '../../recipes/index.ts';

const dataplane = (process.argv[2] ?? 'iptables-nft') as Dataplane;
const calicoVersion = process.argv[3] ?? 'v3.32.1';
const dual = process.argv[4] === 'dual';
const families: IpFamily[] = dual ? ['IPv4', 'IPv6'] : ['IPv4'];
const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const recipe = parseRecipe(readFileSync(here('steps-capture.yaml'), 'utf8'), 'steps-capture.yaml');
const root = createRootSignal({});
const cluster = await createNetnsCluster({
  runId: 'rcap',
  calicoVersion,
  dataplane,
  ipFamilies: families,
  workDir: `/tmp/capture-steps-${dataplane}`,
  signal: root.signal,
  log: (l) => console.log(l),
});
try {
  const kube = KubeClient.fromFile(cluster.kubeconfigPath);
  let plan = planRecipe(recipe, '', {}, { families });
  for (const ns of plan.namespaces) await cluster.createNamespace(ns.name, ns.labels);
  const nodes = cluster.workloadNodes ?? cluster.nodes;
  const pods: Record<string, { ip: string; ips?: string[]; node: string }> = {};
  for (const [i, fixture] of plan.fixtures.entries()) {
    const deployed = await cluster.deployPod({ ...fixture, node: nodes[i % nodes.length]! });
    pods[deployed.pod] = { ip: deployed.ip, ...(deployed.ips ? { ips: deployed.ips } : {}), node: deployed.node };
  }
  plan = planRecipe(recipe, '', { pods: Object.fromEntries(Object.entries(pods).map(([pod, p]) => [pod, p.ips ?? p.ip])) }, { families });
  const prefix = `felix-${calicoVersion}-${dataplane}${dual ? '-dual' : ''}-steps`;
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
      for (const family of families) {
        const rules = await cluster.execOnNode(node, tableReadCommand(dataplane, family), { timeoutMs: 10_000 });
        if (rules.exitCode !== 0) throw new Error(`reading ${family} rules on ${node} failed: ${rules.stderr}`);
        writeFileSync(here(`${prefix}.${step.name}.${node}.rules${family === 'IPv6' ? '6' : ''}.${ext}`), rules.stdout);
      }
      const sets = await cluster.execOnNode(node, ipSetReadCommand(dataplane), { timeoutMs: 10_000 });
      if (sets.exitCode !== 0) throw new Error(`reading IP sets on ${node} failed: ${sets.stderr}`);
      writeFileSync(here(`${prefix}.${step.name}.${node}.ipsets.${ext}`), sets.stdout);
    }
    console.log(`captured step ${step.name}`);
  }
  writeFileSync(here(`${prefix}.meta.json`), JSON.stringify({ calicoVersion, dataplane, nodes: cluster.nodes, pods }, null, 2) + '\n');
} finally {
  await cluster.destroy();
  root[Symbol.dispose]();
}
