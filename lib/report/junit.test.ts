import { expect } from 'chai';
import { renderJUnit } from './junit.ts';
import { sampleReport } from './sample-report.ts';

describe('renderJUnit', () => {
  const report = sampleReport();
  report.recipes[1]!.probes[0]!.observed = 'check-failed';
  report.recipes[1]!.probes[0]!.verdict = 'fail';
  report.recipes[1]!.probes[0]!.detail = 'exit 137\u0007: kubectl exec failed <oops>';
  report.summary = { probes: 9, passed: 6, failed: 3, checkFailed: 1 };
  const xml = renderJUnit(report);

  it('has one testcase per probe result, classname = recipe id, name = probe id', () => {
    expect(xml.match(/<testcase /g)).to.have.length(9);
    expect(xml).to.contain('<testcase classname="01" name="x/a-&gt;x/b tcp/80" time="0.012"/>');
    expect(xml).to.contain('<testcase classname="01" name="x/a-&gt;x/b tcp/80 [try 2]" time="0.012"/>');
    expect(xml).to.contain('<testsuites name="netpol-conformance" tests="9" failures="2" errors="1" time="192.000">');
  });

  it('reports a mismatch as a failure with expected, observed and the counters', () => {
    const failure = /<failure type="mismatch" message="expected blocked, observed allowed \(connected\)">([^<]*)<\/failure>/.exec(xml);
    expect(failure, xml).to.not.equal(null);
    expect(failure![1]).to.contain('expected: blocked (ingress to x/b isolated by x/allow-a, no rule allows x/c)');
    expect(failure![1]).to.contain('node-1 filter cali-pri-kns.x +3 pkts +180 bytes: -A cali-pri-kns.x -m comment --comment &quot;&lt;leak &amp; drop?&gt;&quot; -j ACCEPT');
    expect(failure![1]).to.contain('reproduce: ip netns exec x-c nc -z -w 1 192.168.1.2 80');
  });

  it('reports check-failed as an error, with XML-illegal characters replaced', () => {
    expect(xml).to.match(/<error type="check-failed" message="expected blocked, observed check-failed \(exit 137\uFFFD: kubectl exec failed &lt;oops&gt;\)">/);
    expect(xml).to.contain('<testsuite name="02 Deny all ingress to b" tests="1" failures="0" errors="1"');
    expect(xml).to.not.contain('\u0007');
  });
});
