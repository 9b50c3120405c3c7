// The main job: every recipe of the catalog, probed for real on one cluster. One describe per
// recipe and one it per probe, so `--grep` selects recipes or probes; the cluster is
// provisioned once in the root hook. `netpol-conformance run` and `npm run e2e` run this file
// with their options in NETPOL_RUN_OPTIONS; `npm test` runs it with the defaults.
import { AssertionError } from 'chai';
import { planRecipe } from '../lib/recipes/index.ts';
import type { ProbeReport, RecipeReport } from '../lib/report/schema.ts';
import { runOptionsFromEnv, validateRunOptions } from '../lib/run/options.ts';
import { RunSession } from '../lib/run/session.ts';

const { options, recipes } = validateRunOptions(runOptionsFromEnv());
let session: RunSession | undefined;

describe(`catalog on ${options.provider} (Calico ${options.calicoVersion}, ${options.dataplane})`, function () {
  this.timeout(0);

  before(async function () {
    if (options.provider === 'netns' && process.getuid?.() !== 0) {
      // The netns provider needs network namespaces and iptables: root only.
      this.skip();
    }
    session = await RunSession.start(options, recipes.length);
  });

  after(async function () {
    if (session) await session.finish();
  });

  for (const recipe of recipes) {
    describe(`${recipe.id}: ${recipe.title}`, function () {
      let report: RecipeReport | undefined;

      before(async function () {
        if (!session) this.skip();
        report = await session.runRecipe(recipe);
      });

      for (const probe of planRecipe(recipe, '').probes) {
        it(probe.id, function () {
          const tries = report?.probes.filter((p) => p.id === probe.id) ?? [];
          const last = tries.at(-1);
          if (!last) throw new Error(`probe ${probe.id} did not run`);
          if (last.verdict === 'fail') throw new AssertionError(describeFailure(tries));
          // Every verdict comes with the Calico rule that produced it.
          const evidence = evidenceProblem(last);
          if (evidence) throw new AssertionError(`${evidence}\n${describeFailure([last])}`);
        });
      }
    });
  }
});

function describeFailure(tries: ProbeReport[]): string {
  return tries
    .map((p) => {
      const rules = p.counters.deltas.map((d) => `      ${d.node} ${d.chain}: ${d.rule} [${d.packets} pkts]`).join('\n');
      return [
        `try ${p.try}: expected ${p.expected}, observed ${p.observed} (${p.detail})`,
        `    why expected: ${p.expectedReason}`,
        `    decided by: ${p.decidedBy ? `${p.decidedBy.kind} ${p.decidedBy.chain}: ${p.decidedBy.rule}${p.decidedBy.policy ? ` (${p.decidedBy.policy})` : ''}` : 'no rule found'}`,
        `    reproduce: ${p.command}`,
        rules ? `    counters:\n${rules}` : '    counters: no rule counted a packet',
      ].join('\n');
    })
    .join('\n');
}

const denyKinds = new Set(['end-of-tier-drop', 'policy-deny', 'other-drop']);

/** Why the counters do not back the observation up, or undefined when they do. */
function evidenceProblem(p: ProbeReport): string | undefined {
  if (p.observed === 'check-failed') return undefined;
  if (!p.decidedBy) return `observed ${p.observed}, but no Calico rule counted the probe's packets`;
  const denied = denyKinds.has(p.decidedBy.kind);
  if (p.observed === 'blocked' && !denied) return `observed blocked, but the deciding rule is a ${p.decidedBy.kind}`;
  if (p.observed === 'allowed' && denied) return `observed allowed, but the deciding rule is a ${p.decidedBy.kind}`;
  return undefined;
}
