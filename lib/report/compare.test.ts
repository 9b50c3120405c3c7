import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { compareReports } from './compare.ts';
import { median, percentile } from './compare-latency.ts';
import { sampleProbe, sampleReport } from './sample-report.ts';
import type { ProbeReport, Report } from './schema.ts';

/** The probe of recipe `recipe` on its last try matching `from`, `to` and `protocol`. */
function probeOf(report: Report, recipe: string, from: string, protocol: ProbeReport['protocol'] = 'tcp', phase = 'after'): ProbeReport {
  const r = report.recipes.find((x) => x.id === recipe)!;
  const found = r.probes.filter((p) => p.from === from && p.protocol === protocol && p.phase === phase).at(-1);
  if (!found) throw new Error(`no probe ${recipe} ${from} ${protocol}`);
  return found;
}

describe('compareReports', () => {
  it('finds nothing in two identical runs', () => {
    const c = compareReports(sampleReport(), sampleReport());
    expect(c.regressed).to.equal(false);
    expect(c.counts).to.deep.equal({
      matched: 5, unchanged: 5, regressions: 0, fixes: 0, observedChanges: 0, decisionChanges: 0, onlyInBaseline: 0, onlyInCandidate: 0, slowdowns: 0,
    });
  });

  it('matches on the last try and calls pass -> fail a regression', () => {
    const candidate = sampleReport();
    Object.assign(probeOf(candidate, '02', 'x/a'), { observed: 'allowed', verdict: 'fail', decidedBy: null });
    const c = compareReports(sampleReport(), candidate);
    expect(c.regressed).to.equal(true);
    const first = c.probes[0]!;
    expect(first.key).to.equal('02 after x/a -> x/b tcp/80');
    expect(first.changes).to.deep.equal(['regression', 'observed', 'decided-by-kind']);
    expect(first.baseline.verdict).to.equal('pass');
    expect(first.candidate.verdict).to.equal('fail');
    expect(c.counts.regressions).to.equal(1);
  });

  it('calls fail -> pass a fix, not a regression, and sees the change of deciding rule kind', () => {
    const candidate = sampleReport();
    // Only the last try counts: try 1 still fails in the candidate.
    Object.assign(probeOf(candidate, '01', 'x/c'), {
      observed: 'blocked',
      verdict: 'pass',
      decidedBy: { chain: 'cali-tw-cali1234', rule: '-j DROP', kind: 'end-of-tier-drop' },
    });
    const c = compareReports(sampleReport(), candidate);
    expect(c.regressed).to.equal(false);
    expect(c.counts).to.include({ fixes: 1, observedChanges: 1, decisionChanges: 1, regressions: 0, unchanged: 4 });
    expect(c.probes[0]!.key).to.equal('01 after x/c -> x/b tcp/80');
    expect(c.probes[0]!.changes).to.deep.equal(['fix', 'observed', 'decided-by-kind']);
    expect(c.probes[0]!.candidate.try).to.equal(2);
  });

  it('reports a change of deciding rule kind alone, without calling it a regression', () => {
    const candidate = sampleReport();
    probeOf(candidate, '01', 'x/a').decidedBy = { chain: 'cali-pri-kns.x', rule: '-j ACCEPT', kind: 'profile-allow' };
    const c = compareReports(sampleReport(), candidate);
    expect(c.regressed).to.equal(false);
    const changed = c.probes.filter((p) => p.changes.length > 0);
    expect(changed.map((p) => [p.key, p.changes])).to.deep.equal([['01 after x/a -> x/b tcp/80', ['decided-by-kind']]]);
    expect(changed[0]!.baseline.decidedBy?.kind).to.equal('policy-allow');
  });

  it('reports another Calico tier deciding with the same kind of rule', () => {
    const baseline = sampleReport();
    const candidate = sampleReport();
    probeOf(baseline, '01', 'x/a').decidedBy = { chain: 'cali-pi-_a', rule: '-j MARK', kind: 'policy-allow', policy: 'gnp:security.allow', tier: 'security' };
    probeOf(candidate, '01', 'x/a').decidedBy = { chain: 'cali-pi-_b', rule: '-j MARK', kind: 'policy-allow', policy: 'x/allow-a', tier: 'default' };
    const changed = compareReports(baseline, candidate).probes.filter((p) => p.changes.length > 0);
    expect(changed.map((p) => [p.key, p.changes])).to.deep.equal([['01 after x/a -> x/b tcp/80', ['decided-by-tier']]]);
  });

  it('matches each family of a dual-stack run on its own, and an IPv4 probe with one that names no family', () => {
    const dual = (): Report => {
      const report = sampleReport();
      for (const recipe of report.recipes) {
        recipe.probes = recipe.probes.flatMap((p) => [{ ...p, family: 'IPv4' as const }, { ...p, id: `${p.id}-v6`, family: 'IPv6' as const }]);
      }
      return report;
    };
    const candidate = dual();
    // Only the IPv6 probe regresses; the IPv4 one beside it stays as it was.
    const v6 = candidate.recipes.find((r) => r.id === '02')!.probes.find((p) => p.family === 'IPv6')!;
    Object.assign(v6, { observed: 'allowed', verdict: 'fail', decidedBy: null });
    const c = compareReports(dual(), candidate);
    expect(c.counts.matched).to.equal(10);
    expect(c.counts.regressions).to.equal(1);
    expect(c.probes[0]!.key).to.equal('02 after x/a -> x/b tcp/80 IPv6');
    expect(c.probes[0]!.family).to.equal('IPv6');
    // A report written before dual-stack (no family) matches the IPv4 half; the IPv6 half is new.
    const mixed = compareReports(sampleReport(), dual(), { allowPartial: true });
    expect(mixed.counts.matched).to.equal(5);
    expect(mixed.counts.onlyInCandidate).to.equal(5);
  });

  it('lists probes present on one side only', () => {
    const candidate = sampleReport();
    const recipe = candidate.recipes[0]!;
    recipe.probes = recipe.probes.filter((p) => p.protocol !== 'icmp');
    recipe.probes.push(sampleProbe({ try: 2, protocol: 'udp', port: 53 }));
    const c = compareReports(sampleReport(), candidate);
    expect(c.onlyInBaseline.probes.map((p) => p.key)).to.deep.equal(['01 after x/c -> x/b icmp']);
    expect(c.onlyInCandidate.probes.map((p) => p.key)).to.deep.equal(['01 after x/a -> x/b udp/53']);
    expect(c.onlyInBaseline.probes[0]!).to.not.have.property('port');
    expect(c.regressed).to.equal(false);
  });

  it('refuses different recipe sets unless partial comparison is allowed', () => {
    const candidate = sampleReport();
    candidate.recipes = candidate.recipes.filter((r) => r.id !== '02');
    expect(() => compareReports(sampleReport(), candidate)).to.throw(
      InputError,
      'the reports cover different recipe sets (only in baseline: 02; only in candidate: none); pass --allow-partial to compare the recipes both share',
    );
    const c = compareReports(sampleReport(), candidate, { allowPartial: true });
    expect(c.onlyInBaseline.recipes).to.deep.equal(['02']);
    expect(c.onlyInBaseline.probes.map((p) => p.key)).to.deep.equal(['02 after x/a -> x/b tcp/80']);
    expect(c.counts.matched).to.equal(4);
    expect(c.latency.recipes.map((r) => r.recipe)).to.deep.equal(['01']);
  });

  it('flags a recipe whose apply-to-enforced time grew beyond the ratio', () => {
    const candidate = sampleReport();
    candidate.recipes[0]!.enforcement.programmedMs = 1000; // 400 -> 1000 ms: 2.5x
    candidate.recipes[1]!.enforcement.programmedMs = 420; // 300 -> 420 ms: 1.4x
    const c = compareReports(sampleReport(), candidate);
    expect(c.latency.recipes).to.deep.equal([
      { recipe: '01', baselineMs: 400, candidateMs: 1000, ratio: 2.5, slowdown: true },
      { recipe: '02', baselineMs: 300, candidateMs: 420, ratio: 1.4, slowdown: false },
    ]);
    expect(c.latency.baseline).to.deep.equal({ recipes: 2, medianMs: 350, p95Ms: 400 });
    expect(c.latency.candidate).to.deep.equal({ recipes: 2, medianMs: 710, p95Ms: 1000 });
    expect(c.counts.slowdowns).to.equal(1);
    // A slowdown is flagged, not a regression of enforcement.
    expect(c.regressed).to.equal(false);
    expect(compareReports(sampleReport(), candidate, { slowdownRatio: 3 }).counts.slowdowns).to.equal(0);
    expect(compareReports(sampleReport(), candidate, { slowdownRatio: 1.3 }).counts.slowdowns).to.equal(2);
  });

  it('refuses a ratio that is not a positive number', () => {
    expect(() => compareReports(sampleReport(), sampleReport(), { slowdownRatio: Number.NaN })).to.throw(InputError, /slowdown ratio/);
  });
});

describe('median and percentile', () => {
  it('use the middle (mean of the two middles) and the nearest rank', () => {
    expect(median([5, 1, 3])).to.equal(3);
    expect(median([4, 1, 3, 2])).to.equal(2.5);
    expect(percentile([...Array(20).keys()].map((i) => i + 1), 95)).to.equal(19);
    expect(percentile([7], 95)).to.equal(7);
    expect(median([])).to.equal(0);
  });
});
