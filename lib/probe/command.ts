// What a probe runs, and how its outcome maps to Connectivity. The same programs run on every
// provider (in a pod's network namespace on netns, through the pod exec API on kind), so a
// verdict means the same thing everywhere. Conventions follow Calico's own e2e conncheck:
// TCP `nc -z -w`, HTTP `curl --connect-timeout`, ICMP `ping`.
import type { Connectivity, ProbeProtocol } from '../model/types.ts';
import type { ExecResult } from '../cluster/provider.ts';

export interface ProbeTimeouts {
  /** Seconds to wait for a TCP handshake / ICMP reply before calling the flow blocked. */
  connectSeconds: number;
}

export const defaultTimeouts: ProbeTimeouts = { connectSeconds: 2 };

export function probeCommand(
  protocol: ProbeProtocol,
  ip: string,
  port: number | undefined,
  timeouts: ProbeTimeouts = defaultTimeouts,
): string[] {
  const t = String(timeouts.connectSeconds);
  switch (protocol) {
    case 'tcp':
      return ['nc', '-v', '-z', '-n', '-w', t, ip, String(requirePort(protocol, port))];
    case 'udp':
      // A UDP "connection" is a datagram and its echo: the fixture servers echo what they get.
      // `-W 1` ends nc at the first datagram back, so an answered probe takes a round trip, not
      // the timeout; `exec` makes nc the process a stopped probe kills (no orphan left waiting).
      // No `-v`: it makes nc send its own test datagram, whose echo would end the probe early.
      return ['sh', '-c', `exec nc -u -n -W 1 -w ${t} ${ip} ${requirePort(protocol, port)} <<EOF\nprobe\nEOF`];
    case 'http':
      return [
        'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}',
        '--connect-timeout', t, '--max-time', String(timeouts.connectSeconds * 2),
        `http://${ip.includes(':') ? `[${ip}]` : ip}:${requirePort(protocol, port)}/`,
      ];
    case 'icmp':
      return ['ping', '-n', '-c', '1', '-W', t, ip];
  }
}

function requirePort(protocol: ProbeProtocol, port: number | undefined): number {
  if (port === undefined) throw new Error(`a ${protocol} probe needs a port`);
  return port;
}

/**
 * What an observation rests on: an answer the probe got (connected, refused, echoed, an HTTP
 * status), its connect timeout running out with no answer, or an error that kept it from
 * running. (The run engine adds a fourth: a Calico drop counted while the probe was in flight.)
 */
export type OutcomeEvidence = 'answer' | 'timeout' | 'error';

export interface ProbeOutcome {
  observed: Connectivity;
  /** What the probe saw, in a few words ("connected", "connection refused", "http 200", "timed out"). */
  detail: string;
  evidence: OutcomeEvidence;
}

/**
 * Maps a probe's exit status and output to a verdict. Only a timeout counts as `blocked`
 * (Calico drops denied packets silently); a refused connection got through policy and is
 * `allowed`; anything unexplained is `check-failed`, never `blocked`.
 */
export function classifyProbe(protocol: ProbeProtocol, result: ExecResult, timeouts: ProbeTimeouts): ProbeOutcome {
  const out = `${result.stdout}\n${result.stderr}`.trim();
  const excerpt = out.split('\n').slice(-2).join(' ').slice(0, 200);
  const answer = (observed: Connectivity, detail: string): ProbeOutcome => ({ observed, detail, evidence: 'answer' });
  const timedOut = (detail: string): ProbeOutcome => ({ observed: 'blocked', detail, evidence: 'timeout' });
  if (result.timedOut) return { observed: 'check-failed', detail: `probe command itself timed out: ${excerpt}`, evidence: 'error' };
  switch (protocol) {
    case 'tcp':
      if (result.exitCode === 0) return answer('allowed', 'connected');
      if (/refused/i.test(out)) return answer('allowed', 'connection refused');
      if (/timed out/i.test(out)) return timedOut('timed out');
      break;
    case 'udp':
      if (result.exitCode === 0 && /probe/.test(result.stdout)) return answer('allowed', 'echoed');
      if (/refused/i.test(out)) return answer('allowed', 'port unreachable');
      // nc ends silently, well before its timeout, when an ICMP port unreachable comes back:
      // the datagram got through policy to a port nothing serves.
      if (result.exitCode === 0 && out === '' && result.durationMs < timeouts.connectSeconds * 1000 - 500) return answer('allowed', 'port unreachable');
      if (result.exitCode === 0 || result.exitCode === 1) return timedOut('no echo');
      break;
    case 'http': {
      const code = /(\d{3})\s*$/.exec(result.stdout.trim())?.[1];
      if (result.exitCode === 0 && code) return answer('allowed', `http ${code}`);
      if (result.exitCode === 7 && /refused/i.test(out)) return answer('allowed', 'connection refused');
      if (result.exitCode === 52 || result.exitCode === 56) return answer('allowed', 'connected, no http reply');
      if (result.exitCode === 28) {
        // 28 is curl's timeout: before the handshake it means the SYN went unanswered.
        if (code && code !== '000') return answer('allowed', `http ${code}, slow body`);
        return timedOut('timed out');
      }
      break;
    }
    case 'icmp':
      if (result.exitCode === 0) return answer('allowed', 'echo reply');
      if (result.exitCode === 1) return timedOut('no echo reply');
      break;
  }
  return { observed: 'check-failed', detail: `exit ${result.exitCode}: ${excerpt || 'no output'}`, evidence: 'error' };
}
