// The bench's comparison of two passes, on a simulated cluster: two passes of the same recipes
// on one cluster (their own namespaces, so their chain names differ) agree once run-specific
// names are taken out, and a changed deciding rule shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Logger } from '../log.ts';
import { defaultRunOptions, validateRunOptions } from '../run/options.ts';
import { RunSession } from '../run/session.ts';
import { SimulatedCluster } from '../testing/simulated-cluster.ts';
import { compareDecisions, decisionDigest, type PassFigures } from './side-by-side.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

describe('catalog bench: comparing two passes', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'netpol-bench-test-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the same verdicts and deciding rules in two passes on one cluster, and a changed one', async () => {
    const cluster = new SimulatedCluster({ timeScale: 0.02 });
    const { options, recipes } = validateRunOptions({ ...defaultRunOptions(), calicoVersion: 'v3.31.0', recipes: ['06', 'x-udp-and-tcp'], reportsDir: dir, runId: 'rb' });
    const session = await RunSession.start(options, { createCluster: async () => cluster, objects: () => cluster, log: quiet, watchIntervalMs: 1 });
    try {
      const pass = async (label: string, suffix: string, concurrency: number, blockedBy: 'counters' | 'timeout'): Promise<PassFigures> => {
        const reports = await session.runRecipes(recipes, { concurrency, blockedBy, suffix });
        return { label, wallMs: 0, recipes: reports, probes: reports.flatMap((r) => r.probes), reads: { tableReads: 0, chainReads: 0, busyMs: 0 } };
      };
      const serial = await pass('serial', 'rbs', 1, 'timeout');
      const defaults = await pass('defaults', 'rbd', 2, 'counters');
      const chains = (p: PassFigures) => new Set(p.probes.map((x) => x.decidedBy?.chain));
      expect([...chains(serial)].some((c) => chains(defaults).has(c) && c?.startsWith('cali-tw-'))).to.equal(false);
      expect(compareDecisions(serial, defaults)).to.deep.equal([]);

      // IP set names hash selectors that name the pass's namespaces: they do not count.
      const withSet = (p: PassFigures, set: string): PassFigures => {
        const copy = structuredClone(p);
        const probe = copy.recipes[0]!.probes.find((x) => x.decidedBy?.kind === 'policy-allow')!;
        probe.decidedBy!.rule += ` -m set --match-set cali40s:${set} src`;
        return copy;
      };
      expect(compareDecisions(withSet(serial, 'aznlIahuDNmYdJ-Did1cgHU'), withSet(defaults, 'ZskZjbkUCzUH0ZMgRdSfHth'))).to.deep.equal([]);
      // Nor does a pass's own address for an external host; a different CIDR does.
      const withSource = (p: PassFigures, cidr: string): PassFigures => {
        const copy = structuredClone(p);
        const probe = copy.recipes[0]!.probes.find((x) => x.decidedBy?.kind === 'policy-allow')!;
        probe.decidedBy!.rule = `-s ${cidr} ${probe.decidedBy!.rule}`;
        return copy;
      };
      expect(compareDecisions(withSource(serial, '10.99.0.209/32'), withSource(defaults, '10.99.0.221/32'))).to.deep.equal([]);
      expect(compareDecisions(withSource(serial, '10.99.0.0/24'), withSource(defaults, '10.99.0.0/25'))).to.have.length(1);

      const changed = structuredClone(defaults);
      const probe = changed.recipes[0]!.probes.find((p) => p.decidedBy?.kind === 'policy-allow')!;
      probe.decidedBy = { ...probe.decidedBy!, kind: 'profile-allow', policy: undefined as never };
      const differences = compareDecisions(serial, changed);
      expect(differences).to.have.length(1);
      expect(differences[0]).to.include(decisionDigest(changed.recipes[0]!, probe));
    } finally {
      await session.close();
    }
  });
});
