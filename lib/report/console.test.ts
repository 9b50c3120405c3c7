import { expect } from 'chai';
import { renderConsoleSummary } from './console.ts';
import { passingRecipe, sampleReport } from './sample-report.ts';

describe('renderConsoleSummary', () => {
  it('prints expected and observed tables of the failing recipe and where the reports are', () => {
    const text = renderConsoleSummary(sampleReport(), 'reports/20260101-120000-abcd');
    expect(text.split('\n').slice(0, 2)).to.deep.equal([
      'FAIL 9 probes, 7 passed, 2 failed',
      'Calico v3.31.7 (iptables, felix v3.31.7) on netns, Kubernetes v1.34.1, 3m12s',
    ]);
    expect(text).to.contain('FAIL recipe 01 Allow ingress to b only from a <&>');
    expect(text).to.not.contain('recipe 02');
    expect(text).to.contain(
      [
        '  after policies, tcp/80, try 1: 1 mismatch(es)',
        '    expected:    observed:',
        '    -    x/b     -    x/b',
        '    x/a  .       x/a  .',
        '    x/c  X       x/c  .',
      ].join('\n'),
    );
    expect(text).to.contain('  x/c -> x/b tcp/80: expected blocked, observed allowed (connected)');
    expect(text).to.contain('    reproduce: ip netns exec x-c nc -z -w 1 192.168.1.2 80');
    expect(text.trimEnd().split('\n').at(-1)).to.equal('reports: reports/20260101-120000-abcd/report.html (also report.json, junit.xml, summary.md)');
  });

  it('is two lines when everything passed', () => {
    expect(renderConsoleSummary(sampleReport([passingRecipe()])).trimEnd().split('\n')).to.have.length(2);
  });
});
