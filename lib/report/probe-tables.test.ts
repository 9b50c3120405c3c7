import { expect } from 'chai';
import { cellOf } from '../oracle/truth-table.ts';
import { probeTables } from './probe-tables.ts';
import { sampleRecipe } from './sample-report.ts';

describe('probeTables', () => {
  it('makes one table per try, phase and traffic, with the mismatching probes', () => {
    const tables = probeTables(sampleRecipe());
    expect(tables.map((t) => `${t.try} ${t.phase} ${t.traffic} ${t.mismatches.length}`)).to.deep.equal([
      '1 before tcp/80 0',
      '1 after tcp/80 1',
      '1 after icmp 0',
      '2 before tcp/80 0',
      '2 after tcp/80 1',
      '2 after icmp 0',
    ]);
    const after = tables[1]!;
    expect(after.expected.froms).to.deep.equal(['x/a', 'x/c']);
    expect(after.expected.tos).to.deep.equal(['x/b']);
    expect(cellOf(after.expected, 'x/c', 'x/b')).to.equal('blocked');
    expect(cellOf(after.observed, 'x/c', 'x/b')).to.equal('allowed');
    expect(after.mismatches.map((p) => p.from)).to.deep.equal(['x/c']);
  });
});
