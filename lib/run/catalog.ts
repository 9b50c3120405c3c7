// The run engine's entry point: validate, provision one cluster, run the chosen recipes side by
// side, write the reports, tear down. `netpol-conformance run` calls it directly; the catalog
// spec (suites/catalog.spec.ts) is a thin mocha adapter over it.
import { createRootSignal } from '../lifecycle/index.ts';
import type { Report } from '../report/schema.ts';
import type { WrittenReports } from '../report/write.ts';
import { validateRunOptions, type RunOptions } from './options.ts';
import { checkProviderPrerequisites, RunSession, type CatalogHooks, type SessionDeps } from './session.ts';
import { recipeProblems } from './verdict-problems.ts';

export type { CatalogHooks, RunStart, SessionDeps } from './session.ts';

export interface CatalogResult {
  report: Report;
  written: WrittenReports;
  /** Probes whose last try differs from the oracle, and verdicts no Calico rule backs up. */
  problems: string[];
  /** 0 when there are no problems, else 1. */
  exitCode: 0 | 1;
}

/**
 * Runs the catalog (or the recipes and probes the options choose) on one cluster. Reports are
 * written even when the run is cancelled part way (then the CancelledError is thrown after
 * teardown); bad input throws before anything is created.
 */
export async function runCatalog(options: RunOptions, hooks: CatalogHooks = {}, deps: SessionDeps = {}): Promise<CatalogResult> {
  const { options: checked, recipes } = validateRunOptions(options);
  if (!deps.createCluster) {
    using root = createRootSignal(deps.signal ? { parent: deps.signal } : {});
    await checkProviderPrerequisites(checked, root.signal);
  }
  const session = await RunSession.start(checked, deps);
  hooks.onStart?.({ runId: session.runId, dir: session.dir, versions: session.versions });
  try {
    await session.runRecipes(recipes, { concurrency: checked.concurrency, blockedBy: checked.blockedBy, ...(checked.grep !== undefined ? { grep: checked.grep } : {}) }, hooks);
  } catch (e) {
    await session.finish().catch(() => undefined);
    throw e;
  }
  const { report, written } = await session.finish();
  const problems = report.recipes.flatMap(recipeProblems);
  return { report, written, problems, exitCode: problems.length === 0 ? 0 : 1 };
}
