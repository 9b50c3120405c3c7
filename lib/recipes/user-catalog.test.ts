// The example user catalog (examples/catalog-bookshop) loads like the built-in one, and the
// oracle agrees with every claim its recipes make.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadCatalog } from './catalog.ts';
import { planRecipe } from './plan.ts';

const bookshop = fileURLToPath(new URL('../../examples/catalog-bookshop/', import.meta.url));

describe('the example user catalog', () => {
  it('has two recipes whose prose the oracle agrees with, with plain-text sources', () => {
    const recipes = loadCatalog(bookshop);
    expect(recipes.map((r) => r.id)).to.deep.equal(['bookshop-db', 'bookshop-web-egress']);
    for (const recipe of recipes) {
      const plan = planRecipe(recipe, '');
      expect(plan.prose.length, recipe.id).to.be.greaterThan(2);
      expect(plan.prose.filter((c) => !c.agrees).map((c) => c.claim.text), recipe.id).to.deep.equal([]);
      expect(plan.probes.some((p) => p.phase === 'after' && p.expected === 'blocked'), recipe.id).to.equal(true);
      expect(recipe.source).to.not.match(/^https?:/);
    }
  });
});
