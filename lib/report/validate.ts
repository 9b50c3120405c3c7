// Reads report.json back (for compare) and refuses anything that is not schema version 1,
// naming the file and the JSON path of the first mismatch so a person can fix or regenerate it.
import { InputError } from '../errors.ts';
import { ipFamilies } from '../model/types.ts';
import {
  dataplanes,
  decisionKinds,
  probeEvidence,
  probeProtocols,
  reportSchemaVersion,
  type Report,
} from './schema.ts';

type Json = Record<string, unknown>;

class Shape {
  constructor(private readonly file: string) {}

  fail(path: string, wanted: string, value: unknown): never {
    const got = value === undefined ? 'nothing' : JSON.stringify(value)?.slice(0, 60);
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

/** Checks `value` is a version-1 report and returns it typed; throws InputError naming file and path. */
export function validateReport(value: unknown, file: string): Report {
  const s = new Shape(file);
  const root = s.object(value, '$');
  if (root.schemaVersion !== reportSchemaVersion) {
    throw new InputError(
      `${file}: schemaVersion ${JSON.stringify(root.schemaVersion)} is not supported; this harness reads schemaVersion ${reportSchemaVersion} (regenerate the report with this version)`,
    );
  }
  checkRun(s, root.run);
  const summary = s.object(root.summary, '$.summary');
  for (const key of ['probes', 'passed', 'failed', 'checkFailed']) s.number(summary[key], `$.summary.${key}`);
  s.array(root.recipes, '$.recipes').forEach((r, i) => checkRecipe(s, r, `$.recipes[${i}]`));
  return value as Report;
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

function checkRecipe(s: Shape, value: unknown, path: string): void {
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
  s.array(recipe.probes, `${path}.probes`).forEach((p, i) => checkProbe(s, p, `${path}.probes[${i}]`));
}

function checkProbe(s: Shape, value: unknown, path: string): void {
  const probe = s.object(value, path);
  for (const key of ['id', 'from', 'to', 'expectedReason', 'detail', 'command']) s.string(probe[key], `${path}.${key}`);
  s.oneOf(probe.try, `${path}.try`, [1, 2]);
  s.oneOf(probe.phase, `${path}.phase`, ['before', 'after']);
  s.oneOf(probe.protocol, `${path}.protocol`, probeProtocols);
  s.optional(probe.port, `${path}.port`, (v, p) => s.number(v, p));
  s.optional(probe.family, `${path}.family`, (v, p) => s.oneOf(v, p, ipFamilies));
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
