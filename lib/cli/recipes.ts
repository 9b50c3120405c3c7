// `netpol-conformance recipes`: the catalog with what the oracle expects of every probe.
import { findRecipe, loadCatalog, planRecipe, policyLabel, type PlannedChange, type RecipePlan } from '../recipes/index.ts';
import { commaList, expectPositionals } from './args.ts';
import type { Command } from './main.ts';

const usage = `usage: netpol-conformance recipes [--json] [--recipe <id>] [--catalog <dir>]

Lists the recipe catalog: id, title, source, policies, steps, and every probe with the result
the NetworkPolicy oracle expects after each step (before and after the policies are applied, in
a recipe without steps), plus where the recipe's prose and the oracle disagree and the note that
explains it.

  --json            one JSON object {"schemaVersion": 2, "recipes": [...]} on stdout
  --recipe <id>     only this recipe (e.g. 06, 02a, calico-backend); repeat or
                    comma-separate for several
  --catalog <dir>   read the recipes in <dir> (every *.yaml file; format: docs/recipes.md)
                    instead of the built-in recipes/

Exit status: 0, or 2 for bad input (an unknown recipe, a malformed recipe file).`;

const options = {
  json: { type: 'boolean' },
  recipe: { type: 'string', multiple: true },
  catalog: { type: 'string' },
} as const;

export const command: Command<typeof options> = {
  summary: 'list the recipe catalog with expected results',
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('recipes', positionals, 0, 0, 'no arguments');
    const catalog = loadCatalog(values.catalog);
    const ids = commaList(values.recipe);
    const recipes = ids.length > 0 ? ids.map((id) => findRecipe(catalog, id)) : catalog;
    // Listing uses the recipes' own namespace names (no run suffix) and placeholder addresses.
    const plans = recipes.map((recipe) => planRecipe(recipe, ''));
    await writeOut(values.json === true ? JSON.stringify(toJson(plans), null, 2) + '\n' : plans.map(renderPlan).join('\n'));
    return 0;
  },
};

/** Resolves once stdout has taken the text: the CLI exits right after, which would cut a pipe short. */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

/** Version 2: every recipe lists its steps, and a probe's phase is the name of its step. */
function toJson(plans: RecipePlan[]): object {
  return {
    schemaVersion: 2,
    recipes: plans.map((plan) => ({
      id: plan.recipe.id,
      title: plan.recipe.title,
      source: plan.recipe.source,
      file: plan.recipe.file,
      policies: unique(plan.policies.map(policyLabel)),
      steps: plan.steps.map((step) => ({ name: step.name, changes: step.changes.map(changeText), policies: step.policies.map(policyLabel) })),
      probes: plan.probes.map((p) => ({
        id: p.id,
        phase: p.phase,
        from: p.from,
        to: p.to,
        protocol: p.protocol,
        ...(p.port === undefined ? {} : { port: p.port }),
        expected: p.expected,
        reason: p.reason,
      })),
      prose: plan.prose.map((c) => ({
        text: c.claim.text,
        probe: c.probe,
        expect: c.claim.check.expect,
        oracle: c.oracle,
        agrees: c.agrees,
        ...(c.note === undefined ? {} : { note: c.note }),
      })),
      notes: plan.recipe.notes.map((n) => n.text),
    })),
  };
}

function renderPlan(plan: RecipePlan): string {
  const lines = [
    `${plan.recipe.id}  ${plan.recipe.title}`,
    `  source    ${plan.recipe.source}`,
    `  file      ${plan.recipe.file}`,
    `  policies  ${unique(plan.policies.map(policyLabel)).join(', ')}`,
  ];
  const ownSteps = plan.steps.some((s) => s.name !== 'before' && s.name !== 'after');
  if (ownSteps) {
    lines.push('  steps');
    for (const step of plan.steps) lines.push(`    ${step.name}: ${step.changes.length === 0 ? 'nothing changed' : step.changes.map(changeText).join('; ')}`);
  }
  lines.push(`  probes    ${plan.probes.length}`);
  lines.push(...table(['from', 'to', 'probe', ...plan.steps.map((s) => s.name)], probeRows(plan)).map((line) => `    ${line}`));
  const disagreements = plan.prose.filter((c) => !c.agrees);
  lines.push(`  prose     ${plan.prose.length - disagreements.length}/${plan.prose.length} claims agree with the oracle`);
  for (const c of disagreements) {
    lines.push(`    ${c.probe}: prose says ${c.claim.check.expect}, oracle says ${c.oracle}`);
    lines.push(`      ${c.note === undefined ? 'NO NOTE EXPLAINS THIS DISAGREEMENT' : `note: ${oneLine(c.note)}`}`);
  }
  for (const note of plan.recipe.notes.filter((n) => n.prose === undefined)) lines.push(`  note      ${oneLine(note.text)}`);
  return lines.join('\n') + '\n';
}

/** One row per connection, the expectation after each step side by side. */
function probeRows(plan: RecipePlan): string[][] {
  const rows = new Map<string, string[]>();
  const column = new Map(plan.steps.map((s, i) => [s.name, 3 + i]));
  for (const p of plan.probes) {
    const what = p.port === undefined ? p.protocol : `${p.protocol}/${p.port}`;
    const key = `${p.from} ${p.to} ${what}`;
    const row = rows.get(key) ?? [p.from, p.to, what, ...plan.steps.map(() => '-')];
    row[column.get(p.phase)!] = p.expected;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** A planned change in deployed names ("apply x-06-r1/allow", "relabel pod x/b {pod: b}"). */
function changeText(change: PlannedChange): string {
  const labels = (l: Record<string, string>): string => `{${Object.entries(l).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
  switch (change.kind) {
    case 'add-pod':
      return `add pod ${change.pod.namespace}/${change.pod.name} ${labels(change.pod.labels)}`;
    case 'relabel-namespace':
      return `relabel namespace ${change.namespace} to ${labels(change.labels)}`;
    case 'relabel-pod':
      return `relabel pod ${change.pod} to ${labels(change.labels)}`;
    case 'apply':
      return `apply ${policyLabel(change.policy)}`;
    case 'delete':
      return `delete ${policyLabel(change.policy)}`;
    case 'delete-pod':
      return `delete pod ${change.pod}`;
  }
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (row: string[]): string => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [format(header), ...rows.map(format)];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
