// etcd and kube-apiserver in the control-plane namespace, and the loopback relay the harness
// reaches the API server through. The relay is a socat listening on the host's 127.0.0.1 that
// runs `ip netns exec <cp> socat STDIO TCP:...` per connection: a listening socket, not a link,
// route or rule, so the host's network configuration is untouched.
import { createServer } from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterPki } from './certs.ts';
import { netnsArgv } from './ip.ts';
import type { Supervisor } from './processes.ts';
import { nodeNetwork } from './topology.ts';

export interface ControlPlaneBinaries {
  etcd: string;
  kubeApiserver: string;
}

export async function startEtcd(supervisor: Supervisor, ns: string, binary: string, dataDir: string): Promise<void> {
  await supervisor.start({
    name: 'etcd',
    argv: netnsArgv(ns, [
      binary,
      '--name=netpol-conformance',
      `--data-dir=${dataDir}`,
      '--listen-client-urls=http://127.0.0.1:2379',
      '--advertise-client-urls=http://127.0.0.1:2379',
      '--listen-peer-urls=http://127.0.0.1:2380',
      '--initial-advertise-peer-urls=http://127.0.0.1:2380',
      '--initial-cluster=netpol-conformance=http://127.0.0.1:2380',
      // A throwaway datastore: durability buys nothing and fsync costs seconds.
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]),
  });
}

export async function startApiServer(supervisor: Supervisor, ns: string, binary: string, pki: ClusterPki): Promise<void> {
  await supervisor.start({
    name: 'kube-apiserver',
    // A crashed API server comes back (its state is in etcd); what ran across the restart is
    // check-failed with the restart named (Cluster.health).
    restarts: 2,
    argv: netnsArgv(ns, [
      binary,
      '--etcd-servers=http://127.0.0.1:2379',
      `--advertise-address=${nodeNetwork.apiServerIp}`,
      `--secure-port=${nodeNetwork.apiServerPort}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=RBAC',
      '--anonymous-auth=false',
      `--client-ca-file=${pki.caCert}`,
      `--tls-cert-file=${pki.serverCert}`,
      `--tls-private-key-file=${pki.serverKey}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--api-audiences=kubernetes.default',
      // No kube-controller-manager creates the `default` ServiceAccount.
      '--disable-admission-plugins=ServiceAccount',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=0',
    ]),
  });
}

/** Start the loopback relay; returns the local port. */
export async function startRelay(supervisor: Supervisor, ns: string, workDir: string): Promise<number> {
  const port = await freeLoopbackPort();
  // socat splits EXEC's command on ':' and ',', so the inner command goes in a script.
  const script = join(workDir, 'api-relay.sh');
  const inner = netnsArgv(ns, ['socat', 'STDIO', `TCP4:${nodeNetwork.apiServerIp}:${nodeNetwork.apiServerPort}`]);
  await writeFile(script, `#!/bin/sh
exec ${inner.join(' ')}
`, { mode: 0o755 });
  await supervisor.start({
    name: 'api-relay',
    argv: ['socat', `TCP4-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork`, `EXEC:${script}`],
  });
  return port;
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function etcdDataDir(dir: string): string {
  return join(dir, 'etcd');
}
