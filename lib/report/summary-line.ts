// The one-line facts of a run that every report format starts with.
import { formatDuration } from './duration.ts';
import type { Report, Summary } from './schema.ts';

/** "40 probes, 38 passed, 2 failed (1 check failed)"; dual-stack adds "; IPv4 20 probes, 19 passed; IPv6 ..." */
export function countsLine(summary: Summary): string {
  const checkFailed = summary.checkFailed > 0 ? ` (${summary.checkFailed} check failed)` : '';
  const families = Object.entries(summary.families ?? {})
    .map(([family, f]) => `; ${family} ${f.probes} probes, ${f.passed} passed, ${f.failed} failed`)
    .join('');
  return `${summary.probes} probes, ${summary.passed} passed, ${summary.failed} failed${checkFailed}${families}`;
}

/** "Calico v3.31.7 (iptables, felix v3.31.7) on netns, Kubernetes v1.34.1, 3m12s" */
export function runLine(report: Report): string {
  const { run } = report;
  const felix = run.felix ? `, felix ${run.felix}` : '';
  return `Calico ${run.calico.version} (${run.calico.dataplane}${felix}) on ${run.provider}, Kubernetes ${run.kubernetes}, ${formatDuration(run.durationMs)}`;
}
