// Where a running netns cluster records itself (run.json, the pids of its processes), so
// `netpol-conformance clean` can find what a killed run left. /run is a tmpfs: a reboot, which
// also removes every namespace and process, empties it too.
import { join } from 'node:path';

/** `$NETPOL_CONFORMANCE_STATE`, else /run/netpol-conformance. */
export function stateRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.NETPOL_CONFORMANCE_STATE ?? join('/run', 'netpol-conformance');
}
