// Words for recipe steps, shared by every view: what a step changed and how long it took.
import { formatDuration } from './duration.ts';
import type { RecipeReport, StepChange, StepReport } from './schema.ts';
import { lastTrySteps } from './schema.ts';

/** "apply x/deny-all", "relabel pod x/b to {pod: b, pod2: updated}" */
export function changeText(change: StepChange): string {
  const labels = change.labels === undefined ? '' : ` {${Object.entries(change.labels).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
  switch (change.kind) {
    case 'apply':
      return `apply ${change.target}`;
    case 'delete':
      return `delete ${change.target}`;
    case 'relabel-pod':
      return `relabel pod ${change.target} to${labels || ' {}'}`;
    case 'relabel-namespace':
      return `relabel namespace ${change.target} to${labels || ' {}'}`;
    case 'add-pod':
      return `add pod ${change.target}${labels}`;
  }
}

/** "apply x/deny-all; delete x/allow" or "nothing changed" */
export function changesText(step: StepReport): string {
  return step.changes.length === 0 ? 'nothing changed' : step.changes.map(changeText).join('; ');
}

/** "812 ms" for a step that changed something, "-" for one that only probed. */
export function enforcedText(step: StepReport): string {
  return step.changes.length === 0 ? '-' : formatDuration(step.enforcedMs);
}

/** True when the recipe declares its own steps (not only the `before` and `after` of one without). */
export function hasOwnSteps(recipe: RecipeReport): boolean {
  return recipe.steps.some((s) => s.name !== 'before' && s.name !== 'after');
}

/** "deny-all 812 ms, allow-client 640 ms" over the last try's steps that changed something. */
export function stepTimesText(recipe: RecipeReport): string {
  return lastTrySteps(recipe)
    .filter((s) => s.changes.length > 0)
    .map((s) => `${s.name} ${formatDuration(s.enforcedMs)}`)
    .join(', ');
}
