// Reads report.json back (for compare): schema version 2, or version 1 read as version 2 (its
// recipes get the steps `before` and `after` it implied). Anything else is refused, naming the
// file and the JSON path of the first mismatch so a person can fix or regenerate it.
import { excerpt, InputError } from '../errors.ts';
import {
  beforeAfterSteps,
  dataplanes,
  decisionKinds,
  probeEvidence,
  probeProtocols,
  readableReportVersions,
  reportSchemaVersion,
  stepChangeKinds,
  type PolicyText,
  type RecipeReport,
  type Report,
} from './schema.ts';

type Json = Record<string, unknown>;

class Shape {
  constructor(private readonly file: string) {}

  fail(path: string, wanted: string, value: unknown): never {
    const got = value === undefined ? 'nothing' : excerpt(value);
    throw new InputError(`${this.file}: ${path}: expected ${wanted}, got ${got}`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, 'an object', value);
    return value as Json;
  }

  array(value: unknown, path: string): unknown[] {
    if (!Array.isArray(value)) this.fail(path, 'an array', value);
    return value;
  }

  string(value: unknown, path: string): void {
    if (typeof value !== 'string') this.fail(path, 'a string', value);
  }

  number(value: unknown, path: string): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(path, 'a number', value);
  }

  oneOf(value: unknown, path: string, allowed: readonly unknown[]): void {
    if (!allowed.includes(value)) this.fail(path, allowed.map((a) => JSON.stringify(a)).join(' | '), value);
  }

  optional(value: unknown, path: string, check: (v: unknown, p: string) => void): void {
    if (value !== undefined) check(value, path);
  }
}

/**
 * Checks `value` is a report of a version this harness reads and returns it typed, as version 2
 * (a version-1 report comes back as a new object; a version-2 one as itself); throws InputError
 * naming file and path.
 */
export function validateReport(value: unknown, file: string): Report {
  const s = new Shape(file);
  const root = s.object(value, '$');
  const version = root.schemaVersion;
  if (typeof version !== 'number' || !readableReportVersions.includes(version)) {
    throw new InputError(
      `${file}: schemaVersion ${excerpt(version)} is not supported; this harness reads schemaVersion ${readableReportVersions.join(' and ')} (regenerate the report with this version)`,
    );
  }
  checkRun(s, root.run);
  const summary = s.object(root.summary, '$.summary');
  for (const key of ['probes', 'passed', 'failed', 'checkFailed']) s.number(summary[key], `$.summary.${key}`);
  s.array(root.recipes, '$.recipes').forEach((r, i) => checkRecipe(s, r, `$.recipes[${i}]`, version));
  if (version === reportSchemaVersion) return value as Report;
  const v1 = value as Omit<Report, 'schemaVersion' | 'recipes'> & { recipes: Omit<RecipeReport, 'steps'>[] };
  return { ...v1, schemaVersion: reportSchemaVersion, recipes: v1.recipes.map(withImpliedSteps) };
}

function withImpliedSteps(recipe: Omit<RecipeReport, 'steps'>): RecipeReport {
  const { probes, ...rest } = recipe;
  return { ...rest, steps: beforeAfterSteps(recipe.tries, recipe.policies as PolicyText[], recipe.enforcement.programmedMs), probes };
}

function checkRun(s: Shape, value: unknown): void {
  const run = s.object(value, '$.run');
  for (const key of ['id', 'provider', 'kubernetes', 'startedAt']) s.string(run[key], `$.run.${key}`);
  s.number(run.durationMs, '$.run.durationMs');
  s.optional(run.felix, '$.run.felix', (v, p) => s.string(v, p));
  const calico = s.object(run.calico, '$.run.calico');
  s.string(calico.version, '$.run.calico.version');
  s.oneOf(calico.dataplane, '$.run.calico.dataplane', dataplanes);
}

function checkRecipe(s: Shape, value: unknown, path: string, version: number): void {
  const recipe = s.object(value, path);
  for (const key of ['id', 'title', 'source']) s.string(recipe[key], `${path}.${key}`);
  s.optional(recipe.notes, `${path}.notes`, (v, p) => s.string(v, p));
  s.array(recipe.policies, `${path}.policies`).forEach((p, i) => {
    const policy = s.object(p, `${path}.policies[${i}]`);
    s.string(policy.name, `${path}.policies[${i}].name`);
    s.string(policy.yaml, `${path}.policies[${i}].yaml`);
  });
  s.number(s.object(recipe.enforcement, `${path}.enforcement`).programmedMs, `${path}.enforcement.programmedMs`);
  s.number(recipe.tries, `${path}.tries`);
  if (version >= 2) s.array(recipe.steps, `${path}.steps`).forEach((step, i) => checkStep(s, step, `${path}.steps[${i}]`));
  s.array(recipe.probes, `${path}.probes`).forEach((p, i) => checkProbe(s, p, `${path}.probes[${i}]`, version));
}

function checkStep(s: Shape, value: unknown, path: string): void {
  const step = s.object(value, path);
  s.string(step.name, `${path}.name`);
  s.oneOf(step.try, `${path}.try`, [1, 2]);
  s.number(step.enforcedMs, `${path}.enforcedMs`);
  s.array(step.changes, `${path}.changes`).forEach((c, i) => {
    const at = `${path}.changes[${i}]`;
    const change = s.object(c, at);
    s.oneOf(change.kind, `${at}.kind`, stepChangeKinds);
    s.string(change.target, `${at}.target`);
    s.optional(change.labels, `${at}.labels`, (v, p) => {
      for (const [key, label] of Object.entries(s.object(v, p))) s.string(label, `${p}.${key}`);
    });
  });
}

function checkProbe(s: Shape, value: unknown, path: string, version: number): void {
  const probe = s.object(value, path);
  for (const key of ['id', 'from', 'to', 'expectedReason', 'detail', 'command']) s.string(probe[key], `${path}.${key}`);
  s.oneOf(probe.try, `${path}.try`, [1, 2]);
  // Version 1 knew only two phases; since version 2 a phase is the name of a step.
  if (version === 1) s.oneOf(probe.phase, `${path}.phase`, ['before', 'after']);
  else s.string(probe.phase, `${path}.phase`);
  s.oneOf(probe.protocol, `${path}.protocol`, probeProtocols);
  s.optional(probe.port, `${path}.port`, (v, p) => s.number(v, p));
  s.oneOf(probe.expected, `${path}.expected`, ['allowed', 'blocked']);
  s.oneOf(probe.observed, `${path}.observed`, ['allowed', 'blocked', 'check-failed']);
  s.oneOf(probe.verdict, `${path}.verdict`, ['pass', 'fail']);
  s.number(probe.durationMs, `${path}.durationMs`);
  s.optional(probe.evidence, `${path}.evidence`, (v, p) => s.oneOf(v, p, probeEvidence));
  const counters = s.object(probe.counters, `${path}.counters`);
  s.array(counters.deltas, `${path}.counters.deltas`).forEach((d, i) => {
    const at = `${path}.counters.deltas[${i}]`;
    const delta = s.object(d, at);
    for (const key of ['node', 'table', 'chain', 'rule']) s.string(delta[key], `${at}.${key}`);
    for (const key of ['packets', 'bytes']) s.number(delta[key], `${at}.${key}`);
  });
  if (probe.decidedBy !== null) {
    const at = `${path}.decidedBy`;
    const decision = s.object(probe.decidedBy, at);
    s.string(decision.chain, `${at}.chain`);
    s.string(decision.rule, `${at}.rule`);
    s.optional(decision.policy, `${at}.policy`, (v, p) => s.string(v, p));
    s.optional(decision.tier, `${at}.tier`, (v, p) => s.string(v, p));
    s.oneOf(decision.kind, `${at}.kind`, decisionKinds);
  }
}
