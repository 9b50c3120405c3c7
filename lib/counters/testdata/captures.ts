// The captures the unit tests read, in one table, so real felix captures can replace the
// synthetic ones (capture-synthetic.sh) by editing file names here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIptablesSave } from '../iptables-save.ts';
import { parseNftJson } from '../nft-json.ts';
import type { CounterBackend, CounterSnapshot } from '../types.ts';

export type CaptureProbe = 'tcp-8080-allowed' | 'tcp-9090-blocked' | 'udp-5353-denied' | 'icmp-server-to-client';

export const CAPTURE_BACKENDS: readonly CounterBackend[] = ['iptables-legacy', 'iptables-nft', 'nftables'];

interface CaptureMeta {
  k8sNamespace: string;
  client: { pod: string; ip: string; interface: string };
  server: { pod: string; ip: string; interface: string };
  allowPolicyChain: string;
  denyPolicyChain: string;
}

export function captureText(name: string): string {
  return readFileSync(fileURLToPath(new URL(name, import.meta.url)), 'utf8');
}

export const captureMeta = JSON.parse(captureText('synthetic-meta.json')) as CaptureMeta;

export function captureFile(backend: CounterBackend, probe: CaptureProbe, when: 'before' | 'after'): string {
  return `synthetic-${backend}-${probe}.${when}.${backend === 'nftables' ? 'json' : 'txt'}`;
}

export function loadCapture(backend: CounterBackend, probe: CaptureProbe, when: 'before' | 'after'): CounterSnapshot {
  const text = captureText(captureFile(backend, probe, when));
  if (backend === 'nftables') return parseNftJson(text);
  return parseIptablesSave(text, { backend: backend === 'iptables-nft' ? 'nft' : 'legacy' });
}
