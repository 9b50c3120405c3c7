// Every flow a scenario's policies decide, as `expect` lists them: each ordered pair of different
// endpoints (at least one of them a pod) on every port the target serves. Built for cluster-sized
// scenarios: one Oracle (policies compiled and indexed once), endpoints resolved once, and the
// results produced one at a time so a caller can stream them.
import { InputError } from '../errors.ts';
import type { Model, PortProtocol } from '../model/types.ts';
import type { ResolvedEndpoint } from './endpoint.ts';
import type { Oracle } from './evaluate.ts';
import type { Verdict } from './types.ts';

export interface Traffic {
  protocol: PortProtocol;
  port: number;
}

const PROTOCOL_ORDER: PortProtocol[] = ['TCP', 'UDP', 'SCTP'];

export function sortTraffic(traffic: Traffic[]): Traffic[] {
  const unique = new Map(traffic.map((t) => [`${t.protocol}/${t.port}`, t]));
  return [...unique.values()].sort((a, b) => PROTOCOL_ORDER.indexOf(a.protocol) - PROTOCOL_ORDER.indexOf(b.protocol) || a.port - b.port);
}

/** Every protocol/port some pod declares. */
export function declaredTraffic(model: Model): Traffic[] {
  return sortTraffic(model.pods.flatMap((pod) => pod.ports.map(({ protocol, port }) => ({ protocol, port }))));
}

/** What an endpoint serves: a pod its declared ports; an external host every port any pod declares. */
export function servedTraffic(model: Model, endpoint: ResolvedEndpoint, declared = declaredTraffic(model)): Traffic[] {
  return endpoint.kind === 'pod' ? sortTraffic(endpoint.pod.ports.map(({ protocol, port }) => ({ protocol, port }))) : declared;
}

/** Different endpoints, at least one of them a pod: traffic between two outside hosts is not the cluster's. */
export function pairApplies(from: ResolvedEndpoint, to: ResolvedEndpoint): boolean {
  return from.index !== to.index && (from.kind === 'pod' || to.kind === 'pod');
}

/**
 * `--from`/`--to`: comma-separated "ns/pod", "ns/*" (every pod of the namespace), "*" (every
 * endpoint) or an external host's name. Undefined or empty: every endpoint.
 */
export function selectEndpoints(oracle: Oracle, filter: string | undefined, flag: string): ResolvedEndpoint[] {
  const all = oracle.table.endpoints;
  if (filter === undefined || filter.trim() === '') return all;
  const chosen = new Set<ResolvedEndpoint>();
  for (const term of filter.split(',').map((t) => t.trim()).filter((t) => t !== '')) {
    let matched: ResolvedEndpoint[];
    if (term === '*') matched = all;
    else if (term.endsWith('/*')) {
      const namespace = term.slice(0, -2);
      matched = all.filter((e) => e.kind === 'pod' && e.pod.namespace === namespace);
      if (matched.length === 0) throw new InputError(`--${flag} ${term}: namespace ${JSON.stringify(namespace)} has no pods in the scenario`);
    } else {
      matched = all.filter((e) => e.name === term);
      if (matched.length === 0) {
        throw new InputError(`--${flag} ${term}: no such endpoint; give "ns/pod", "ns/*", "*" or an external host's name`);
      }
    }
    for (const endpoint of matched) chosen.add(endpoint);
  }
  return [...chosen].sort((a, b) => a.index - b.index);
}

/**
 * The expectations of `froms` x `tos`, row by row: `visit` is called for each in order, and
 * `onRow` after each source's row (a caller streaming output can wait for its sink there).
 */
export async function forEachExpectation(
  oracle: Oracle,
  froms: ResolvedEndpoint[],
  tos: ResolvedEndpoint[],
  visit: (from: ResolvedEndpoint, to: ResolvedEndpoint, traffic: Traffic, verdict: Verdict) => void,
  onRow: () => Promise<void> | void = () => undefined,
): Promise<void> {
  const model = oracle.table.model;
  const declared = declaredTraffic(model);
  const served = tos.map((to) => servedTraffic(model, to, declared));
  for (const from of froms) {
    for (let i = 0; i < tos.length; i++) {
      const to = tos[i]!;
      if (!pairApplies(from, to)) continue;
      for (const traffic of served[i]!) visit(from, to, traffic, oracle.evaluateResolved(from, to, traffic));
    }
    await onRow();
  }
}
