// The recipe catalog's public surface (format: docs/recipes.md).
export type {
  Expectation,
  Phase,
  PlanAddresses,
  PlannedChange,
  PlannedStep,
  PlannedProbe,
  ProbeMatrix,
  ProbeSpec,
  ProseAssertion,
  ProseCheck,
  ProseClaim,
  Recipe,
  RecipeExternal,
  RecipeNote,
  RecipePlan,
  RecipePod,
  RecipeStep,
  Relabel,
  ServedPort,
} from './types.ts';
export { defaultCatalogDir, findRecipe, loadCatalog } from './catalog.ts';
export { parseRecipe } from './parse.ts';
export { expandProbes, probeKey } from './probes.ts';
export { namespaceName, planRecipe, tierName } from './plan.ts';
export { planReset } from './steps.ts';
export { policyLabel } from './policy.ts';
export { policyRefs, appliedObject } from './apply.ts';
export { placeholderAddress } from './placeholders.ts';
