// Benchmarks of the pure parts: the oracle over the whole catalog, counter parsing and diffing
// on a node-sized ruleset, and report rendering for a catalog-sized run. Each has a target; the
// numbers are measured here, never asserted in unit tests.
import { performance } from 'node:perf_hooks';
import { diffSnapshots, parseIptablesSave } from '../counters/index.ts';
import { captureFile, captureText } from '../counters/testdata/captures.ts';
import { Oracle } from '../oracle/index.ts';
import { netpolE2eModel, networkPolicy } from '../oracle/netpol-e2e-model.ts';
import { loadCatalog, planRecipe } from '../recipes/index.ts';
import { renderHtml } from '../report/html.ts';
import { sampleProbe } from '../report/sample-report.ts';
import { beforeAfterSteps, reportSchemaVersion, summarize, type RecipeReport, type Report } from '../report/schema.ts';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** The result meets its target when value <= target (times) or >= target (rates). */
  target: number;
  higherIsBetter: boolean;
}

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

export function benchOracle(): BenchResult {
  const model = netpolE2eModel();
  const policies = Array.from({ length: 20 }, (_, i) =>
    networkPolicy(['x', 'y', 'z'][i % 3]!, `p${i}`, {
      podSelector: { matchLabels: { pod: ['a', 'b', 'c'][i % 3]! } },
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['a', 'b'] }] } }], ports: [{ port: 80 + (i % 2), protocol: 'TCP' }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.2.0/24'] } }] }],
      policyTypes: ['Ingress', 'Egress'],
    }),
  );
  let flows = 0;
  const { ms } = time(() => {
    // A fresh oracle per round: compiling the policies is part of the cost.
    for (let round = 0; round < 20; round++) {
      const oracle = new Oracle(model, policies);
      for (const from of model.pods) {
        for (const to of model.pods) {
          for (const port of to.ports) {
            oracle.evaluate({ from: { pod: `${from.namespace}/${from.name}` }, to: { pod: `${to.namespace}/${to.name}` }, protocol: port.protocol, port: port.port });
            flows++;
          }
        }
      }
    }
  });
  return { name: 'oracle: flows evaluated per second (9 pods, 20 policies)', value: Math.round((flows / ms) * 1000), unit: 'flows/s', target: 5_000, higherIsBetter: true };
}

export function benchCatalogPlan(): BenchResult {
  const { ms } = time(() => loadCatalog().map((r) => planRecipe(r, 'rbench')));
  return { name: 'catalog: load, validate and plan every recipe', value: Math.round(ms), unit: 'ms', target: 2000, higherIsBetter: false };
}

/** A node-sized ruleset: the captured felix-shaped dump with its endpoint and policy chains
 * replicated for 200 workloads. */
function bigRuleset(when: 'before' | 'after'): string {
  const text = captureText(captureFile('iptables-nft', 'tcp-8080-allowed', when));
  const lines = text.split('\n');
  const commit = lines.lastIndexOf('COMMIT');
  const body = lines.filter((l) => /^(\[\d+:\d+\] )?-A cali-(tw|fw|pi)-/.test(l));
  const extra: string[] = [];
  for (let i = 0; i < 200; i++) {
    for (const l of body) extra.push(l.replace(/cali-(tw|fw|pi)-(\S+)/g, `cali-$1-$2x${i}`));
  }
  const decls = [...new Set(extra.map((l) => /-A (\S+)/.exec(l)![1]!))].map((c) => `:${c} - [0:0]`);
  return [...lines.slice(0, commit), ...decls, ...extra, ...lines.slice(commit)].join('\n');
}

export function benchCounters(): BenchResult {
  const before = bigRuleset('before');
  const after = bigRuleset('after');
  const { ms, value } = time(() => diffSnapshots(parseIptablesSave(before), parseIptablesSave(after)));
  const rules = value.after.rules.length;
  return { name: `counters: parse two snapshots of ${rules} rules and diff them`, value: Math.round(ms), unit: 'ms', target: 1000, higherIsBetter: false };
}

export function benchHtml(): BenchResult {
  const recipes: RecipeReport[] = Array.from({ length: 27 }, (_, r) => ({
    id: `r${r}`,
    title: `recipe ${r}`,
    source: 'https://example.invalid/recipe',
    policies: [{ name: 'p', yaml: 'kind: NetworkPolicy\n' }],
    enforcement: { programmedMs: 300 },
    tries: 1,
    steps: beforeAfterSteps(1, [{ name: 'p', yaml: '' }], 300),
    probes: Array.from({ length: 25 }, (_, p) => sampleProbe({ id: `p${p}`, from: `ns/a${p % 5}`, to: `ns/b${p % 7}`, port: 80 + (p % 3) })),
  }));
  const report: Report = {
    schemaVersion: reportSchemaVersion,
    run: { id: 'rbench', provider: 'netns', calico: { version: 'v3.32.1', dataplane: 'iptables' }, kubernetes: 'v1.36.1', startedAt: new Date().toISOString(), durationMs: 1 },
    summary: summarize(recipes),
    recipes,
  };
  const { ms, value } = time(() => renderHtml(report));
  return { name: `report: render report.html for ${report.summary.probes} probes (${Math.round(value.length / 1024)} KiB)`, value: Math.round(ms), unit: 'ms', target: 1000, higherIsBetter: false };
}
