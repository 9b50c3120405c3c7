// The run engine against a test double of the Cluster interface (lib/testing/simulated-cluster.ts):
// every probe is answered by the NetworkPolicy oracle and counted in felix-shaped rules the engine
// reads with its real commands and parsers. End-to-end runs on real clusters live in suites/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { profileChainName, workloadInterfaceName } from '../counters/index.ts';
import { CancelledError, InfrastructureError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { ProbeReport, RecipeReport } from '../report/schema.ts';
import { SimulatedCluster, type SimulatedClusterOptions, type SimulatedProbe } from '../testing/simulated-cluster.ts';
import { runCatalog, type CatalogResult } from './catalog.ts';
import { defaultRunOptions, type RunOptions } from './options.ts';

let reportsDir: string;

/** The engine's log lines, kept out of the test output. */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

beforeEach(() => {
  reportsDir = mkdtempSync(join(tmpdir(), 'netpol-engine-'));
});
afterEach(() => rmSync(reportsDir, { recursive: true, force: true }));

async function run(
  options: Partial<RunOptions>,
  sim: SimulatedClusterOptions = {},
  signal?: AbortSignal,
): Promise<{ result: CatalogResult; cluster: SimulatedCluster }> {
  const cluster = new SimulatedCluster(sim);
  const result = await runCatalog(
    { ...defaultRunOptions(), calicoVersion: 'v3.31.0', reportsDir, runId: 'rsim', ...options },
    {},
    {
      createCluster: async () => cluster,
      objects: () => cluster,
      watchIntervalMs: 1,
      enforceTimeoutMs: 2000,
      serverTimeoutMs: 2000,
      log: quiet,
      ...(signal ? { signal } : {}),
    },
  );
  return { result, cluster };
}

const probesOf = (r: RecipeReport | undefined): ProbeReport[] => r?.probes ?? [];
const lastTryOf = (r: RecipeReport | undefined): ProbeReport[] => probesOf(r).filter((p) => p.try === r?.tries);

describe('runCatalog (simulated cluster)', function () {
  this.timeout(20_000);

  it('runs recipes side by side: every probe agrees with the oracle and names the rule that decided it', async () => {
    const { result, cluster } = await run({ recipes: ['01', '06', 'x-udp-and-tcp', '08'], concurrency: 3 });
    expect(result.problems).to.deep.equal([]);
    expect(result.exitCode).to.equal(0);
    expect(result.report.recipes.map((r) => r.id)).to.deep.equal(['01', '06', 'x-udp-and-tcp', '08']);
    const probes = result.report.recipes.flatMap(probesOf);
    expect(probes.length).to.equal(12 + 18 + 12 + 12);
    for (const p of probes) {
      expect(p.verdict, p.id).to.equal('pass');
      expect(p.decidedBy, p.id).to.not.equal(null);
    }
    // Blocked probes were proven by the drop their own endpoint counted, and stopped there.
    const blocked = probes.filter((p) => p.observed === 'blocked');
    expect(blocked.length).to.be.greaterThan(10);
    for (const p of blocked) {
      expect(p.evidence, p.id).to.equal('counted-drop');
      expect(p.decidedBy?.kind, p.id).to.equal('end-of-tier-drop');
      expect(p.detail).to.match(/^dropped in flight by cali-tw-/);
    }
    expect(probes.filter((p) => p.observed === 'allowed').every((p) => p.evidence === 'answer')).to.equal(true);
    // Side by side, a probe's counter rows are its own: its endpoints' chains and its recipe's
    // profiles, never another recipe's traffic.
    for (const recipe of result.report.recipes) {
      for (const p of recipe.probes) {
        const pods = [p.from, p.to].filter((e) => e.includes('/')).map((e) => e.split('/') as [string, string]);
        const own = new Set(
          pods.flatMap(([ns, name]) => {
            const deployed = `${ns}-${recipe.id}-rsim`;
            const iface = workloadInterfaceName(deployed, name);
            return [`cali-tw-${iface}`, `cali-fw-${iface}`, profileChainName('ingress', `kns.${deployed}`), profileChainName('egress', `kns.${deployed}`)];
          }),
        );
        for (const row of p.counters.deltas) {
          if (!/^cali-p[io]-/.test(row.chain)) expect(own.has(row.chain), `${recipe.id} ${p.id}: ${row.chain}`).to.equal(true);
        }
      }
    }
    // Policy allows are named; every recipe cleaned up after itself and the cluster went.
    expect(probes.some((p) => p.decidedBy?.kind === 'policy-allow' && p.decidedBy.policy === 'default-06-rsim/web-allow-prod')).to.equal(true);
    expect(cluster.namespaces.size).to.equal(0);
    expect(cluster.externals.size, 'recipe 08 removes its external host').to.equal(0);
    expect(cluster.destroyed).to.equal(true);
  });

  it('dual-stack: probes each pair over both families, each reading and proven by its own family\'s rules', async () => {
    const { result, cluster } = await run({ recipes: ['01', 'x-ipblock-ingress'], concurrency: 2 }, { dualStack: true });
    expect(result.problems).to.deep.equal([]);
    const probes = result.report.recipes.flatMap(probesOf);
    const v4 = probes.filter((p) => p.family === 'IPv4');
    const v6 = probes.filter((p) => p.family === 'IPv6');
    expect(v6.length).to.be.greaterThan(0);
    expect(v6.map((p) => p.id)).to.deep.equal(v4.map((p) => `${p.id} IPv6`));
    expect(result.report.summary.families).to.deep.equal({
      IPv4: { probes: v4.length, passed: v4.length, failed: 0 },
      IPv6: { probes: v6.length, passed: v6.length, failed: 0 },
    });
    // Each IPv6 probe went to its target's IPv6 address (the readiness checks use IPv4).
    expect(cluster.probes.filter((p) => p.family === 'IPv6')).to.have.length(v6.length);
    // A drop counted only in the IPv6 table still proved every blocked IPv6 probe at once.
    for (const p of v6.filter((x) => x.observed === 'blocked')) {
      expect(p.evidence, p.id).to.equal('counted-drop');
      expect(p.decidedBy?.kind, p.id).to.equal('end-of-tier-drop');
    }
    // An IPv4 /32 admits its host over IPv4 only.
    const ipblock = probesOf(result.report.recipes.find((r) => r.id === 'x-ipblock-ingress'));
    const observed = (id: string): string | undefined => ipblock.find((p) => p.id === id)?.observed;
    expect(observed('after outside -> default/web http/80')).to.equal('allowed');
    expect(observed('after outside -> default/web http/80 IPv6')).to.equal('blocked');
    // The outside host's IPv6 probes were dropped in web's IPv6 table only (its IPv4 ones pass).
    const blocked6 = ipblock.find((p) => p.id === 'after outside -> default/web http/80 IPv6')!;
    const node = blocked6.counters.deltas[0]!.node;
    const chain = `cali-tw-${workloadInterfaceName('default-x-ipblock-ingress-rsim', 'web')}`;
    expect(blocked6.counters.deltas.map((d) => d.chain)).to.include(chain);
    const endOfTier = (family: 'IPv4' | 'IPv6'): number => cluster.packets(family, node, chain, 'end-of-tier');
    expect(endOfTier('IPv6'), 'IPv6 drops counted in the IPv6 table').to.be.greaterThan(endOfTier('IPv4'));
  });

  it('reaches the same verdicts and deciding rules one by one with timeouts as side by side with counters', async () => {
    const recipes = ['01', '09', 'x-udp-and-tcp'];
    const serial = (await run({ recipes, concurrency: 1, blockedBy: 'timeout' }, { timeScale: 0.02 })).result;
    const sideBySide = (await run({ recipes, concurrency: 3 })).result;
    const digest = (r: CatalogResult) => r.report.recipes.flatMap((x) => x.probes.map((p) => [x.id, p.id, p.observed, p.decidedBy?.chain, p.decidedBy?.rule, p.decidedBy?.policy]));
    expect(digest(sideBySide)).to.deep.equal(digest(serial));
    const evidence = (r: CatalogResult) => new Set(r.report.recipes.flatMap((x) => x.probes.filter((p) => p.observed === 'blocked').map((p) => p.evidence)));
    expect([...evidence(serial)]).to.deep.equal(['timeout']);
    expect([...evidence(sideBySide)]).to.deep.equal(['counted-drop']);
  });

  it('probes a recipe once more in full when a probe differed from the oracle, and keeps both tries', async () => {
    const seen = new Set<string>();
    const flakyOnce = (p: SimulatedProbe): boolean => {
      const key = `${p.from} ${p.to} ${p.protocol} ${p.port}`;
      if (!p.from.startsWith('default-01-') || p.protocol !== 'tcp' || seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    const { result } = await run({ recipes: ['01'] }, { misbehave: flakyOnce, timeScale: 0.02 });
    const recipe = result.report.recipes[0];
    expect(recipe?.tries).to.equal(2);
    expect(probesOf(recipe).filter((p) => p.try === 1 && p.verdict === 'fail').length).to.be.greaterThan(0);
    expect(lastTryOf(recipe).every((p) => p.verdict === 'pass')).to.equal(true);
    // Nothing is retried silently: the first try's failures stay in the summary; the run passes
    // on its final verdicts.
    expect(result.report.summary.failed).to.be.greaterThan(0);
    expect(result.exitCode).to.equal(0);
  });

  it('fails the run when a probe differs on both tries, and says which', async () => {
    const { result } = await run({ recipes: ['01'] }, { misbehave: (p) => p.protocol === 'icmp' && p.from.endsWith('/client'), timeScale: 0.02 });
    expect(result.report.recipes[0]?.tries).to.equal(2);
    expect(result.exitCode).to.equal(1);
    expect(result.problems.length).to.be.greaterThan(0);
    expect(result.problems[0]).to.match(/^01 .* icmp: expected (allowed|blocked), observed (blocked|allowed|check-failed)/);
  });

  for (const blockedBy of ['timeout', 'counters'] as const) {
    it(`calls a connection refused by a Calico reject rule blocked, not allowed (FilterDenyAction=REJECT, blocked by ${blockedBy})`, async () => {
      const { result } = await run({ recipes: ['01'], blockedBy }, { denyAction: 'REJECT', timeScale: 0.02 });
      expect(result.problems).to.deep.equal([]);
      const refused = probesOf(result.report.recipes[0]).filter((p) => p.observed === 'blocked' && p.protocol !== 'icmp');
      expect(refused.length).to.be.greaterThan(0);
      for (const p of refused) {
        expect(p.decidedBy?.rule, p.id).to.match(/-j REJECT/);
        if (p.evidence === 'answer') expect(p.detail, p.id).to.match(/^connection refused by a Calico reject rule \(cali-tw-/);
        else expect(p.evidence, p.id).to.equal('counted-drop');
      }
    });
  }

  it('turns a setup failure into check-failed probes with the reason, never blocked, and cleans up', async () => {
    const failDeploy = (pod: { namespace: string; name: string }) =>
      pod.namespace.startsWith('default-06-') && pod.name === 'web' ? new InfrastructureError('the pod network did not come up') : undefined;
    const { result, cluster } = await run({ recipes: ['06', '01'], concurrency: 2 }, { failDeploy });
    const [failed, fine] = result.report.recipes;
    expect(probesOf(failed).length).to.equal(18);
    for (const p of probesOf(failed)) {
      expect(p.observed).to.equal('check-failed');
      expect(p.evidence).to.equal('error');
      expect(p.detail).to.equal('setup failed: the pod network did not come up');
    }
    expect(probesOf(fine).every((p) => p.verdict === 'pass')).to.equal(true);
    expect(result.exitCode).to.equal(1);
    expect(result.report.summary.checkFailed).to.equal(18);
    expect(cluster.namespaces.size).to.equal(0);
  });

  it('stops when cancelled: throws CancelledError after tearing down and writing what it has', async () => {
    const cancel = new AbortController();
    let probes = 0;
    const error = await run({ recipes: ['01', '06'], concurrency: 2 }, { onProbe: () => void (++probes === 5 && cancel.abort()) }, cancel.signal).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(CancelledError);
    const written = JSON.parse(readFileSync(join(reportsDir, 'rsim', 'report.json'), 'utf8')) as { run: { id: string } };
    expect(written.run.id).to.equal('rsim');
  });

  it('runs only what --grep selects', async () => {
    const { result } = await run({ recipes: ['01', '06'], grep: 'icmp' });
    const probes = result.report.recipes.flatMap(probesOf);
    expect(probes.length).to.be.greaterThan(0);
    expect(probes.every((p) => p.protocol === 'icmp')).to.equal(true);
  });
});
