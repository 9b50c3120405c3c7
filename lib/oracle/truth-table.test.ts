import { expect } from 'chai';
import type { Connectivity } from '../model/types.ts';
import { netpolE2eModel, networkPolicy } from './netpol-e2e-model.ts';
import {
  buildTruthTable,
  cellOf,
  connectivityMark,
  endpointName,
  endpointOf,
  expectedTruthTable,
  renderTruthTable,
  verdictMark,
} from './truth-table.ts';

describe('TruthTable', () => {
  it('renders rows = from and columns = to with aligned marks, for any cell type', () => {
    const observed: Record<string, Connectivity> = { 'x/a>y/long-name': 'blocked', 'y/long-name>x/a': 'check-failed' };
    const table = buildTruthTable(['x/a', 'y/long-name'], ['x/a', 'y/long-name'], (from, to) =>
      from === to ? 'allowed' : observed[`${from}>${to}`],
    );
    expect(renderTruthTable(table, connectivityMark)).to.equal(
      ['-            x/a  y/long-name', 'x/a          .    X', 'y/long-name  !    .'].join('\n'),
    );
  });

  it('prints missing cells as "?" unless told otherwise', () => {
    const table = buildTruthTable<boolean>(['a/a'], ['b/b', 'c/c'], (_from, to) => (to === 'b/b' ? true : undefined));
    expect(cellOf(table, 'a/a', 'c/c')).to.equal(undefined);
    expect(renderTruthTable(table, (v) => (v ? '.' : 'X'))).to.equal('-    b/b  c/c\na/a  .    ?');
    expect(renderTruthTable(table, (v) => (v ? '.' : 'X'), { missing: '-', indent: '  ' })).to.equal(
      '  -    b/b  c/c\n  a/a  .    -',
    );
  });

  it('maps Connectivity to the e2e marks', () => {
    expect((['allowed', 'blocked', 'check-failed'] as const).map(connectivityMark)).to.deep.equal(['.', 'X', '!']);
  });

  it('names endpoints "ns/pod" or by external host name, both ways', () => {
    expect(endpointOf('x/a')).to.deep.equal({ pod: 'x/a' });
    expect(endpointOf('outside')).to.deep.equal({ external: 'outside' });
    expect(endpointName({ pod: 'x/a' })).to.equal('x/a');
    expect(endpointName({ external: 'outside' })).to.equal('outside');
  });

  it('builds the expected table from the oracle, with externals and an include filter', () => {
    const model = netpolE2eModel([{ name: 'outside', ip: '203.0.113.10' }]);
    const deny = networkPolicy('x', 'deny', { podSelector: { matchLabels: { pod: 'a' } } });
    const table = expectedTruthTable(model, [deny], { protocol: 'TCP', port: 80 }, {
      froms: ['x/b', 'outside'],
      tos: ['x/a', 'x/b', 'outside'],
      include: (from, to) => from !== to,
    });
    expect(renderTruthTable(table, verdictMark, { missing: '-' })).to.equal(
      ['-        x/a  x/b  outside', 'x/b      X    -    .', 'outside  X    .    -'].join('\n'),
    );
    expect(cellOf(table, 'x/b', 'x/a')!.ingress.selectedBy).to.deep.equal(['x/deny']);
  });
});
