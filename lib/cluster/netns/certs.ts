// Certificates for one netns cluster, made with the openssl CLI in the run's pki directory:
// a CA, the kube-apiserver serving certificate, one client certificate in system:masters for
// the harness and felix, and the service-account signing key. Valid for a week; never reused.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { InfrastructureError } from '../../errors.ts';

export interface ClusterPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  serviceAccountKey: string;
  serviceAccountPub: string;
  /** PEM contents for kubeconfigs. */
  pem: { ca: string; clientCert: string; clientKey: string };
}

const openssl = execa({ timeout: 30_000, stdin: 'ignore' });
const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function run(args: string[]): Promise<void> {
  try {
    await openssl('openssl', args);
  } catch (e) {
    throw new InfrastructureError(`openssl ${args.slice(0, 2).join(' ')} failed: ${(e as { stderr?: string }).stderr ?? String(e)}`, {
      cause: e,
    });
  }
}

export async function createPki(dir: string, serverIps: string[]): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const f = (name: string): string => join(dir, name);
  await run([
    'req', '-x509', ...ecKey, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '7',
    '-subj', '/CN=netpol-conformance-ca',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const sans = [
    'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:localhost',
    ...['127.0.0.1', ...serverIps].map((ip) => `IP:${ip}`),
  ].join(',');
  const leaf = (name: string, subject: string, extensions: string[]): Promise<void> =>
    run([
      'req', '-x509', ...ecKey, '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-days', '7',
      '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-subj', subject,
      ...extensions.flatMap((e) => ['-addext', e]),
    ]);
  await Promise.all([
    leaf('apiserver', '/CN=kube-apiserver', [`subjectAltName=${sans}`, 'extendedKeyUsage=serverAuth', 'basicConstraints=critical,CA:FALSE']),
    leaf('admin', '/O=system:masters/CN=netpol-conformance', ['extendedKeyUsage=clientAuth', 'basicConstraints=critical,CA:FALSE']),
    run(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', f('sa.key')]),
  ]);
  await run(['pkey', '-in', f('sa.key'), '-pubout', '-out', f('sa.pub')]);
  const [ca, clientCert, clientKey] = await Promise.all(['ca.crt', 'admin.crt', 'admin.key'].map((n) => readFile(f(n), 'utf8')));
  return {
    dir,
    caCert: f('ca.crt'),
    serverCert: f('apiserver.crt'),
    serverKey: f('apiserver.key'),
    clientCert: f('admin.crt'),
    clientKey: f('admin.key'),
    serviceAccountKey: f('sa.key'),
    serviceAccountPub: f('sa.pub'),
    pem: { ca: ca!, clientCert: clientCert!, clientKey: clientKey! },
  };
}
