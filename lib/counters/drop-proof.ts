// Proof that a probe was blocked, read while it is still in flight: a drop (or reject) rule of
// the probe's own endpoint chains counted its packets. A denied SYN or echo request is counted
// the moment it is dropped, so there is nothing to gain from waiting out a connect timeout.
import type { Attribution, AttributionContext, DecisionKind } from './attribution.ts';
import { attribute } from './attribution.ts';
import { calicoChainName, chainRole, COMMENTS, hasComment } from './chains.ts';
import { diffSnapshots } from './diff.ts';
import { chainJumps, chainsReachableFrom } from './endpoint-chains.ts';
import { isDeny } from './marks.ts';
import type { CounterSnapshot } from './types.ts';

/**
 * Verdicts of policy that prove a flow blocked. A conntrack INVALID drop does not: a late
 * packet of an earlier flow can be counted there while the probe runs.
 */
const PROVING: readonly DecisionKind[] = ['end-of-tier-drop', 'policy-deny', 'no-profile-drop'];

/**
 * The chains a watch reads on one node for these endpoint chains: where policy can deny. That
 * is an endpoint chain with policies (its end-of-tier drop), and the policy chains it reaches
 * that hold a deny rule (a Calico policy's Deny drops in its own chain). An endpoint no policy
 * selects has nothing to watch: its profile allows. Reads stay small, and a probe with nothing to
 * watch costs no reads while in flight.
 */
export function watchedChains(snapshot: CounterSnapshot, endpointChains: readonly string[]): string[] {
  const graph = chainJumps(snapshot);
  const denying = new Set(snapshot.rules.filter((r) => isDeny(r.target)).map((r) => calicoChainName(r.chain)));
  const endOfTier = new Set(
    snapshot.rules.filter((r) => isDeny(r.target) && hasComment(r, COMMENTS.endOfTier)).map((r) => calicoChainName(r.chain)),
  );
  const out = new Set<string>();
  for (const endpoint of endpointChains) {
    if (endOfTier.has(endpoint)) out.add(endpoint);
    for (const chain of chainsReachableFrom(snapshot, endpoint, graph)) {
      const role = chainRole(chain);
      if ((role === 'policy-ingress' || role === 'policy-egress') && denying.has(chain)) {
        out.add(endpoint);
        out.add(chain);
      }
    }
  }
  return [...out];
}

/**
 * The attribution of a drop that proves the probe blocked, or undefined while there is none:
 * between `before` (a full read) and `now` (a read of the watched chains), a deny of the probe's
 * own endpoint (`ctx` names its interfaces) counted packets and nothing on that endpoint
 * accepted them.
 */
export function provenDrop(before: CounterSnapshot, now: CounterSnapshot, ctx: Omit<AttributionContext, 'observed'>): Attribution | undefined {
  const attribution = attribute(diffSnapshots(before, now), ctx);
  return attribution.verdict === 'blocked' && PROVING.includes(attribution.kind) ? attribution : undefined;
}
