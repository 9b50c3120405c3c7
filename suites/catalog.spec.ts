// The main job as a mocha suite: every recipe of the catalog, probed for real on one cluster by
// the run engine (lib/run/catalog.ts), which runs the recipes side by side in the root hook.
// One describe per recipe and one it per probe report the results. `npm test` runs it with the
// defaults; NETPOL_RUN_OPTIONS (JSON RunOptions) narrows it.
import { AssertionError } from 'chai';
import { planRecipe } from '../lib/recipes/index.ts';
import { renderConsoleSummary } from '../lib/report/console.ts';
import type { Report } from '../lib/report/schema.ts';
import { runCatalog } from '../lib/run/catalog.ts';
import { grepSelects, runOptionsFromEnv, validateRunOptions } from '../lib/run/options.ts';
import { describeTries, evidenceProblem } from '../lib/run/verdict-problems.ts';

const { options, recipes } = validateRunOptions(runOptionsFromEnv());
let report: Report | undefined;

describe(`catalog on ${options.provider} (Calico ${options.calicoVersion}, ${options.dataplane})`, function () {
  this.timeout(0);

  before(async function () {
    if (options.provider === 'netns' && process.getuid?.() !== 0) {
      // The netns provider needs network namespaces and iptables: root only.
      this.skip();
    }
    const result = await runCatalog(options);
    report = result.report;
    process.stderr.write(renderConsoleSummary(result.report, result.written.dir) + '\n');
  });

  for (const recipe of recipes) {
    describe(`${recipe.id}: ${recipe.title}`, function () {
      for (const probe of planRecipe(recipe, '').probes.filter((p) => grepSelects(options.grep, recipe, p.id))) {
        it(probe.id, function () {
          const tries = report?.recipes.find((r) => r.id === recipe.id)?.probes.filter((p) => p.id === probe.id) ?? [];
          const last = tries.at(-1);
          if (!last) throw new Error(`probe ${probe.id} did not run`);
          if (last.verdict === 'fail') throw new AssertionError(describeTries(tries));
          // Every verdict comes with the Calico rule that produced it.
          const evidence = evidenceProblem(last);
          if (evidence) throw new AssertionError(`${evidence}\n${describeTries([last])}`);
        });
      }
    });
  }
});
