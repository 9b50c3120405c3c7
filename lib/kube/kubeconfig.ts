// Writing a kubeconfig: pure text, so any provider can make one for a server it started.
import { stringify } from 'yaml';

export interface KubeconfigSpec {
  clusterName: string;
  server: string;
  caPem: string;
  clientCertPem: string;
  clientKeyPem: string;
}

const b64 = (pem: string): string => Buffer.from(pem).toString('base64');

export function renderKubeconfig(spec: KubeconfigSpec): string {
  const user = `${spec.clusterName}-admin`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: spec.clusterName, cluster: { server: spec.server, 'certificate-authority-data': b64(spec.caPem) } },
    ],
    users: [{ name: user, user: { 'client-certificate-data': b64(spec.clientCertPem), 'client-key-data': b64(spec.clientKeyPem) } }],
    contexts: [{ name: spec.clusterName, context: { cluster: spec.clusterName, user } }],
    'current-context': spec.clusterName,
  });
}
