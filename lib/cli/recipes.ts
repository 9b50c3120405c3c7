// `netpol-conformance recipes`: the catalog with what the oracle expects of every probe.
import { InputError } from '../errors.ts';
import { findRecipe, loadCatalog, planRecipe, policyLabel, type RecipePlan } from '../recipes/index.ts';
import { ipFamiliesOf, ipFamilyModes, type IpFamilyMode } from '../run/options.ts';
import type { Command } from './main.ts';
import { parseArgs } from './main.ts';

const usage = `usage: netpol-conformance recipes [--json] [--recipe <id>] [--catalog <dir>] [--ip-family ipv4|dual]

Lists the recipe catalog: id, title, source, policies, and every probe with the result the
NetworkPolicy oracle expects (before and after the policies are applied), plus where the
recipe's prose and the oracle disagree and the note that explains it.

  --json            one JSON object {"schemaVersion": 1, "recipes": [...]} on stdout
  --recipe <id>     only this recipe (e.g. 06, 02a, calico-backend)
  --catalog <dir>   read recipes from <dir> instead of the built-in recipes/
  --ip-family <f>   ipv4 (default): the probes of an IPv4 cluster; dual: of a dual-stack one,
                    each pair over IPv4 and over IPv6`;

export const command: Command = {
  summary: 'list the recipe catalog with expected results',
  usage,
  async run(args) {
    const { flags, positionals } = parseArgs(args, { booleans: ['json'], strings: ['recipe', 'catalog', 'ip-family'] });
    if (positionals.length > 0) {
      throw new InputError(`unexpected argument "${positionals[0]}"; see --help`);
    }
    const catalog = loadCatalog(typeof flags.catalog === 'string' ? flags.catalog : undefined);
    const recipes = typeof flags.recipe === 'string' ? [findRecipe(catalog, flags.recipe)] : catalog;
    const mode = flags['ip-family'] ?? 'ipv4';
    if (!ipFamilyModes.includes(mode as IpFamilyMode)) throw new InputError(`--ip-family must be one of: ${ipFamilyModes.join(', ')}; got "${String(mode)}"`);
    // Listing uses the recipes' own namespace names (no run suffix) and placeholder addresses.
    const plans = recipes.map((recipe) => planRecipe(recipe, '', {}, { families: ipFamiliesOf(mode as IpFamilyMode) }));
    await writeOut(flags.json === true ? JSON.stringify(toJson(plans), null, 2) + '\n' : plans.map(renderPlan).join('\n'));
    return 0;
  },
};

/** Resolves once stdout has taken the text: the CLI exits right after, which would cut a pipe short. */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}

function toJson(plans: RecipePlan[]): object {
  return {
    schemaVersion: 1,
    recipes: plans.map((plan) => ({
      id: plan.recipe.id,
      title: plan.recipe.title,
      source: plan.recipe.source,
      file: plan.recipe.file,
      policies: plan.policies.map(policyLabel),
      probes: plan.probes.map((p) => ({
        id: p.id,
        phase: p.phase,
        from: p.from,
        to: p.to,
        protocol: p.protocol,
        ...(p.port === undefined ? {} : { port: p.port }),
        family: p.family,
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
    `  policies  ${plan.policies.map(policyLabel).join(', ')}`,
    `  probes    ${plan.probes.length}`,
  ];
  lines.push(...table(['from', 'to', 'probe', 'before', 'after'], probeRows(plan)).map((line) => `    ${line}`));
  const disagreements = plan.prose.filter((c) => !c.agrees);
  lines.push(`  prose     ${plan.prose.length - disagreements.length}/${plan.prose.length} claims agree with the oracle`);
  for (const c of disagreements) {
    lines.push(`    ${c.probe}: prose says ${c.claim.check.expect}, oracle says ${c.oracle}`);
    lines.push(`      ${c.note === undefined ? 'NO NOTE EXPLAINS THIS DISAGREEMENT' : `note: ${oneLine(c.note)}`}`);
  }
  for (const note of plan.recipe.notes.filter((n) => n.prose === undefined)) lines.push(`  note      ${oneLine(note.text)}`);
  return lines.join('\n') + '\n';
}

/** One row per connection, the expectation before and after the policies side by side. */
function probeRows(plan: RecipePlan): string[][] {
  const rows = new Map<string, string[]>();
  for (const p of plan.probes) {
    const traffic = p.port === undefined ? p.protocol : `${p.protocol}/${p.port}`;
    const what = p.family === 'IPv6' ? `${traffic} IPv6` : traffic;
    const key = `${p.from} ${p.to} ${what}`;
    const row = rows.get(key) ?? [p.from, p.to, what, '-', '-'];
    row[p.phase === 'before' ? 3 : 4] = p.expected;
    rows.set(key, row);
  }
  return [...rows.values()];
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const format = (row: string[]): string => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [format(header), ...rows.map(format)];
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
