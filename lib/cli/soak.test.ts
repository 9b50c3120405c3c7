import { expect } from 'chai';
import { sampleReport } from '../report/sample-report.ts';
import type { Report } from '../report/schema.ts';
import { findFlakes, soakMarkdown } from './soak.ts';

describe('soak flakes', () => {
  // The sample with every probe passing, as a healthy run's report.
  const base = sampleReport();
  for (const probe of base.recipes.flatMap((r) => r.probes)) {
    probe.observed = probe.expected;
    probe.verdict = 'pass';
  }
  const copy = (): Report => structuredClone(base);

  it('finds none when every run saw and decided every probe the same way', () => {
    expect(findFlakes([copy(), copy(), copy()])).to.deep.equal([]);
    expect(soakMarkdown([{ runId: 'r1', wallMs: 1000, probes: 4, failed: 0 }], [])).to.contain('no flakes');
  });

  it('names a probe observed differently in one run, with the runs of each variant', () => {
    const odd = copy();
    const probe = odd.recipes[0]!.probes[0]!;
    probe.observed = probe.observed === 'allowed' ? 'blocked' : 'allowed';
    const flakes = findFlakes([copy(), odd, copy()]);
    expect(flakes).to.have.length(1);
    expect(flakes[0]!.probe).to.equal(`${odd.recipes[0]!.id} [${probe.phase}] ${probe.id} try ${probe.try}`);
    expect(flakes[0]!.variants.map((v) => v.runs)).to.deep.equal([[1, 3], [2]]);
  });

  it('counts a probe that failed the same way in every run as a flake too', () => {
    const failing = (): Report => {
      const r = copy();
      r.recipes[0]!.probes[0]!.verdict = 'fail';
      return r;
    };
    expect(findFlakes([failing(), failing()])).to.have.length(1);
  });

  it('names a probe decided by another kind of rule in one run', () => {
    const odd = copy();
    const probe = odd.recipes[0]!.probes.find((p) => p.decidedBy)!;
    probe.decidedBy = { ...probe.decidedBy!, kind: probe.decidedBy!.kind === 'profile-allow' ? 'policy-allow' : 'profile-allow' };
    expect(findFlakes([copy(), odd]).map((f) => f.probe)).to.have.length(1);
  });
});
