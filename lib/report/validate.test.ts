import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { sampleReport } from './sample-report.ts';
import { summarize } from './schema.ts';
import { validateReport } from './validate.ts';

function roundTrip(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

describe('validateReport', () => {
  it('accepts a report written by this version, unchanged', () => {
    const report = roundTrip(sampleReport());
    expect(validateReport(report, 'a.json')).to.equal(report);
  });

  it('refuses another schemaVersion, naming the file and the versions it reads', () => {
    const report = { ...roundTrip(sampleReport()), schemaVersion: 3 };
    expect(() => validateReport(report, 'reports/x/report.json'))
      .to.throw(InputError, /reports\/x\/report\.json: schemaVersion 3 is not supported; this harness reads schemaVersion 1 and 2/);
  });

  it('reads a version-1 report as version 2: its recipes get the steps before and after, per try', () => {
    const v1 = roundTrip(sampleReport()) as { schemaVersion: number; recipes: Record<string, unknown>[] };
    v1.schemaVersion = 1;
    for (const recipe of v1.recipes) delete recipe.steps;
    const read = validateReport(v1, 'old.json');
    expect(read.schemaVersion).to.equal(2);
    expect(read.recipes[0]!.steps.map((s) => `${s.try} ${s.name} ${s.enforcedMs}`)).to.deep.equal(['1 before 0', '1 after 400', '2 before 0', '2 after 400']);
    expect(read.recipes[0]!.steps[1]!.changes).to.deep.equal([{ kind: 'apply', target: 'x/allow-a' }]);
    expect(read.recipes[0]!.probes).to.deep.equal(v1.recipes[0]!.probes);
  });

  it('holds a version-1 report to its own phases, and a version-2 one to steps by name', () => {
    const v1 = roundTrip(sampleReport()) as { schemaVersion: number; recipes: { probes: Record<string, unknown>[] }[] };
    v1.schemaVersion = 1;
    v1.recipes[0]!.probes[0]!.phase = 'deny-all';
    expect(() => validateReport(v1, 'old.json')).to.throw(InputError, 'old.json: $.recipes[0].probes[0].phase: expected "before" | "after", got "deny-all"');
    const v2 = roundTrip(sampleReport()) as { recipes: { probes: Record<string, unknown>[]; steps: Record<string, unknown>[] }[] };
    v2.recipes[0]!.probes[0]!.phase = 'deny-all';
    expect(validateReport(v2, 'new.json').recipes[0]!.probes[0]!.phase).to.equal('deny-all');
    v2.recipes[0]!.steps[1]!.changes = [{ kind: 'rename', target: 'x/a' }];
    expect(() => validateReport(v2, 'new.json')).to.throw(InputError, /\$\.recipes\[0\]\.steps\[1\]\.changes\[0\]\.kind/);
  });

  it('names the JSON path of the first field that does not fit', () => {
    const report = roundTrip(sampleReport()) as { recipes: { probes: Record<string, unknown>[] }[] };
    report.recipes[0]!.probes[2]!.observed = 'dropped';
    expect(() => validateReport(report, 'b.json')).to.throw(
      InputError,
      'b.json: $.recipes[0].probes[2].observed: expected "allowed" | "blocked" | "check-failed", got "dropped"',
    );
  });

  it('refuses a missing section and a decision of unknown kind', () => {
    const noRun = roundTrip(sampleReport());
    delete noRun.run;
    expect(() => validateReport(noRun, 'c.json')).to.throw(InputError, 'c.json: $.run: expected an object, got nothing');
    const odd = roundTrip(sampleReport()) as { recipes: { probes: { decidedBy: { kind: string } }[] }[] };
    odd.recipes[0]!.probes[0]!.decidedBy.kind = 'magic';
    expect(() => validateReport(odd, 'd.json')).to.throw(InputError, /\$\.recipes\[0\]\.probes\[0\]\.decidedBy\.kind/);
  });

  it('refuses something that is not a report at all', () => {
    expect(() => validateReport([1, 2], 'e.json')).to.throw(InputError, 'e.json: $: expected an object, got a list');
    expect(() => validateReport({ hello: 1 }, 'f.json')).to.throw(InputError, /f\.json: schemaVersion undefined is not supported/);
  });
});

describe('summarize', () => {
  it('counts every probe result of every try, check-failed as part of failed', () => {
    const report = sampleReport();
    report.recipes[1]!.probes[0]!.observed = 'check-failed';
    report.recipes[1]!.probes[0]!.verdict = 'fail';
    // recipe 01: 2 tries x 4 probes with one failure each; recipe 02: one probe, now check-failed
    expect(summarize(report.recipes)).to.deep.equal({ probes: 9, passed: 6, failed: 3, checkFailed: 1 });
  });
});
