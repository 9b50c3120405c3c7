// A candidate run that differs from sampleReport() in every way compare reports, for the
// compare renderers' and CLI's tests.
import { sampleProbe, sampleReport } from './sample-report.ts';
import { summarize, type Report } from './schema.ts';

export function changedCandidate(): Report {
  const candidate = sampleReport();
  candidate.run = { ...candidate.run, id: 'candidate-run', calico: { version: 'v3.32.1', dataplane: 'nftables' } };
  const [first, second] = candidate.recipes;
  // 02: pass -> fail (regression)
  Object.assign(second!.probes[0]!, { observed: 'allowed', verdict: 'fail', detail: 'connected <!>', decidedBy: null });
  // 01 x/c -> x/b tcp/80, last try: fail -> pass (fix)
  Object.assign(first!.probes.filter((p) => p.from === 'x/c' && p.protocol === 'tcp' && p.phase === 'after').at(-1)!, {
    observed: 'blocked',
    verdict: 'pass',
    decidedBy: { chain: 'cali-tw-cali1234', rule: '-j DROP', kind: 'end-of-tier-drop' },
  });
  // 01: icmp only in baseline, udp only in candidate
  first!.probes = first!.probes.filter((p) => p.protocol !== 'icmp');
  first!.probes.push(sampleProbe({ try: 2, protocol: 'udp', port: 53 }));
  first!.enforcement.programmedMs = 1000;
  candidate.summary = summarize(candidate.recipes);
  return candidate;
}
