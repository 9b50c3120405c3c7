import { expect } from 'chai';
import { selectorMatches } from './selector.ts';

describe('selectorMatches', () => {
  const labels = { pod: 'a', tier: 'web' };

  it('matches everything with an empty selector', () => {
    expect(selectorMatches({}, labels)).to.equal(true);
    expect(selectorMatches({ matchLabels: {}, matchExpressions: [] }, {})).to.equal(true);
  });

  it('requires every matchLabels entry', () => {
    expect(selectorMatches({ matchLabels: { pod: 'a', tier: 'web' } }, labels)).to.equal(true);
    expect(selectorMatches({ matchLabels: { pod: 'a', tier: 'db' } }, labels)).to.equal(false);
    expect(selectorMatches({ matchLabels: { missing: '' } }, labels)).to.equal(false);
  });

  it('evaluates In, NotIn, Exists and DoesNotExist as apimachinery does', () => {
    const one = (operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist', key: string, values?: string[]) =>
      selectorMatches({ matchExpressions: [{ key, operator, values }] }, labels);
    expect(one('In', 'pod', ['a', 'b'])).to.equal(true);
    expect(one('In', 'pod', ['b'])).to.equal(false);
    expect(one('In', 'absent', ['a'])).to.equal(false);
    expect(one('NotIn', 'pod', ['b'])).to.equal(true);
    expect(one('NotIn', 'pod', ['a'])).to.equal(false);
    expect(one('NotIn', 'absent', ['a']), 'NotIn matches a missing key').to.equal(true);
    expect(one('Exists', 'tier')).to.equal(true);
    expect(one('Exists', 'absent')).to.equal(false);
    expect(one('DoesNotExist', 'absent')).to.equal(true);
    expect(one('DoesNotExist', 'tier')).to.equal(false);
  });

  it('ANDs matchLabels with matchExpressions', () => {
    const selector = { matchLabels: { pod: 'a' }, matchExpressions: [{ key: 'tier', operator: 'In' as const, values: ['db'] }] };
    expect(selectorMatches(selector, labels)).to.equal(false);
    expect(selectorMatches(selector, { pod: 'a', tier: 'db' })).to.equal(true);
  });
});
