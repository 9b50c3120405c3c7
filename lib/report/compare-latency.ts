// Apply-to-enforced latency of two runs: how long Calico took to program each recipe's
// policies, per recipe and as median / p95 over recipes, with slowdowns beyond a ratio flagged;
// and, for recipes with their own steps, per step (by name).
import { lastTrySteps, type RecipeReport, type Report } from './schema.ts';
import { hasOwnSteps } from './step-text.ts';

export interface RecipeLatency {
  recipe: string;
  baselineMs: number;
  candidateMs: number;
  /** candidate / baseline (a baseline under 1 ms counts as 1 ms, so the ratio stays finite) */
  ratio: number;
  slowdown: boolean;
}

/** Over the recipes both runs have. */
export interface LatencyStats {
  recipes: number;
  medianMs: number;
  p95Ms: number;
}

/** One step of a recipe with steps, in both runs (the last try of each). */
export interface StepLatency extends RecipeLatency {
  step: string;
}

export interface LatencyComparison {
  slowdownRatio: number;
  baseline: LatencyStats;
  candidate: LatencyStats;
  /** Recipes both runs have, in the baseline's order. */
  recipes: RecipeLatency[];
  /** Steps that change something, of recipes with their own steps, that both runs have; in the baseline's order. */
  steps: StepLatency[];
}

export function latencyOf(baseline: Report, candidate: Report, slowdownRatio: number): LatencyComparison {
  const candidateMs = new Map(candidate.recipes.map((r) => [r.id, r.enforcement.programmedMs]));
  const recipes = baseline.recipes.flatMap((r): RecipeLatency[] => {
    const cand = candidateMs.get(r.id);
    if (cand === undefined) return [];
    const ratio = cand / Math.max(1, r.enforcement.programmedMs);
    return [{ recipe: r.id, baselineMs: r.enforcement.programmedMs, candidateMs: cand, ratio: round2(ratio), slowdown: ratio > slowdownRatio }];
  });
  return {
    slowdownRatio,
    // Over the shared recipes only, so a partial comparison still compares like with like.
    baseline: statsOf(recipes.map((r) => r.baselineMs)),
    candidate: statsOf(recipes.map((r) => r.candidateMs)),
    recipes,
    steps: stepLatencies(baseline, candidate, slowdownRatio),
  };
}

function stepLatencies(baseline: Report, candidate: Report, slowdownRatio: number): StepLatency[] {
  const changing = (recipe: RecipeReport) => new Map(lastTrySteps(recipe).filter((s) => s.changes.length > 0).map((s) => [s.name, s.enforcedMs]));
  const candidates = new Map(candidate.recipes.filter(hasOwnSteps).map((r) => [r.id, changing(r)]));
  return baseline.recipes.filter(hasOwnSteps).flatMap((r) => {
    const cand = candidates.get(r.id);
    if (!cand) return [];
    return [...changing(r)].flatMap(([step, baselineMs]): StepLatency[] => {
      const candidateMs = cand.get(step);
      if (candidateMs === undefined) return [];
      const ratio = candidateMs / Math.max(1, baselineMs);
      return [{ recipe: r.id, step, baselineMs, candidateMs, ratio: round2(ratio), slowdown: ratio > slowdownRatio }];
    });
  });
}

export function statsOf(values: number[]): LatencyStats {
  return { recipes: values.length, medianMs: median(values), p95Ms: percentile(values, 95) };
}

/** Middle value, or the mean of the two middle values; 0 for no values. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile: a value that was actually measured, never an interpolation. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]!;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
