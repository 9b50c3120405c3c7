// The recipe catalog: every recipes/*.yaml file, parsed and validated.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, messageOf } from '../errors.ts';
import { parseRecipe } from './parse.ts';
import type { Recipe } from './types.ts';

export const defaultCatalogDir = fileURLToPath(new URL('../../recipes/', import.meta.url));

/** All recipes of `dir` (`*.yaml`), in file-name order. Throws an InputError on the first bad file. */
export function loadCatalog(dir: string = defaultCatalogDir): Recipe[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();
  } catch (e) {
    throw new InputError(`cannot read the recipe catalog ${dir}: ${messageOf(e)}`);
  }
  if (names.length === 0) throw new InputError(`the recipe catalog ${dir} has no *.yaml files`);
  const recipes: Recipe[] = [];
  const files = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const shown = displayPath(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new InputError(`${shown}: cannot read: ${messageOf(e)}`);
    }
    const recipe = parseRecipe(text, shown);
    const other = files.get(recipe.id);
    if (other) throw new InputError(`${shown}: id: "${recipe.id}" is also the id of ${other}`);
    files.set(recipe.id, shown);
    recipes.push(recipe);
  }
  return recipes;
}

/** The recipe with this id, or an InputError that lists the ids there are. */
export function findRecipe(catalog: Recipe[], id: string): Recipe {
  const recipe = catalog.find((r) => r.id === id);
  if (!recipe) throw new InputError(`no recipe "${id}"; the catalog has: ${catalog.map((r) => r.id).join(', ')}`);
  return recipe;
}

/** Relative to the working directory when inside it: what a person can open. */
function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}
