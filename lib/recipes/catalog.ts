// The recipe catalog: every recipes/*.yaml file, parsed and validated.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, messageOf } from '../errors.ts';
import { readInputFile } from '../input-file.ts';
import { parseRecipe } from './parse.ts';
import type { Recipe } from './types.ts';

/** docs/recipes.md, "Limits". */
export const maxCatalogFiles = 500;

export const defaultCatalogDir = fileURLToPath(new URL('../../recipes/', import.meta.url));

/** All recipes of `dir` (`*.yaml`), in file-name order. Throws an InputError on the first bad file. */
export function loadCatalog(dir: string = defaultCatalogDir): Recipe[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.yaml')).sort();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOTDIR' ? 'not a directory' : code === 'ENOENT' ? 'no such directory' : messageOf(e);
    throw new InputError(`cannot read the recipe catalog ${dir}: ${why}; give a directory of recipe files`, { cause: e });
  }
  if (names.length === 0) throw new InputError(`the recipe catalog ${dir} has no *.yaml files; a catalog is a directory of recipe files (docs/recipes.md)`);
  if (names.length > maxCatalogFiles) throw new InputError(`the recipe catalog ${dir} has ${names.length} *.yaml files; at most ${maxCatalogFiles} are allowed`);
  const recipes: Recipe[] = [];
  const files = new Map<string, string>();
  for (const name of names) {
    const path = join(dir, name);
    const shown = displayPath(path);
    const recipe = parseRecipe(readInputFile(path, 'recipe', shown), shown);
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
