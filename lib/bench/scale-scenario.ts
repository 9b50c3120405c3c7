// A cluster-sized scenario for `expect`: N namespaces of M pods, each pod serving TCP 80, and P
// policies per namespace of the kinds real clusters carry (default deny, allows by pod and
// namespace labels, matchExpressions, ipBlock egress with except, DNS egress). With `calico`, a
// share of them are Calico policies in two tiers, with Deny, Pass and global selectors.
import { stringify } from 'yaml';

export interface ScaleOptions {
  namespaces: number;
  podsPerNamespace: number;
  policiesPerNamespace: number;
  /** Mix in Calico tiers, network policies and global network policies. */
  calico?: boolean;
}

export function scaleScenarioText(options: ScaleOptions): string {
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  const namespaces = Array.from({ length: options.namespaces }, (_, n) => ({
    name: `ns-${pad(n, 2)}`,
    labels: { team: `team-${n % 5}`, env: n % 2 === 0 ? 'prod' : 'dev' },
  }));
  const pods = namespaces.flatMap((ns, n) =>
    Array.from({ length: options.podsPerNamespace }, (_, p) => ({
      namespace: ns.name,
      name: `pod-${pad(p, 3)}`,
      labels: { app: `app-${p % 10}`, tier: ['web', 'api', 'db'][p % 3]! },
      ip: `10.${Math.floor(n / 250)}.${n % 250}.${p + 1}`,
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    })),
  );
  const policies: unknown[] = [];
  if (options.calico) {
    policies.push(
      { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } },
      { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 200, defaultAction: 'Pass' } },
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'GlobalNetworkPolicy',
        metadata: { name: 'security.quarantine' },
        spec: { tier: 'security', order: 1, selector: "app == 'app-9'", ingress: [{ action: 'Deny', source: { selector: "tier == 'web'" } }, { action: 'Pass' }], egress: [{ action: 'Pass' }] },
      },
    );
  }
  for (const [n, ns] of namespaces.entries()) {
    const other = namespaces[(n + 1) % namespaces.length]!.name;
    for (let i = 0; i < options.policiesPerNamespace; i++) {
      const name = `policy-${pad(i, 2)}`;
      const app = `app-${i % 10}`;
      if (options.calico && i % 5 === 4) {
        policies.push({
          apiVersion: 'projectcalico.org/v3',
          kind: 'NetworkPolicy',
          metadata: { name: `platform.${name}`, namespace: ns.name },
          spec: {
            tier: 'platform',
            order: i,
            selector: `app == '${app}'`,
            ingress: [
              { action: 'Deny', protocol: 'TCP', source: { namespaceSelector: "env == 'dev'", selector: "tier == 'db'" }, destination: { ports: [80] } },
              { action: 'Allow', protocol: 'TCP', source: { selector: `app in {'${app}', 'app-0'}` } },
            ],
          },
        });
        continue;
      }
      policies.push(kubernetesPolicy(ns.name, name, i, app, other));
    }
  }
  return stringify({ schemaVersion: 1, namespaces, pods, policies });
}

function kubernetesPolicy(namespace: string, name: string, i: number, app: string, otherNamespace: string): unknown {
  const metadata = { name, namespace };
  const base = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata };
  switch (i % 5) {
    case 0:
      return { ...base, spec: { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'] } };
    case 1:
      return {
        ...base,
        spec: { podSelector: { matchLabels: { app } }, ingress: [{ from: [{ podSelector: { matchLabels: { tier: 'web' } } }], ports: [{ port: 80 }] }] },
      };
    case 2:
      return {
        ...base,
        spec: {
          podSelector: { matchExpressions: [{ key: 'app', operator: 'In', values: [app, 'app-5'] }] },
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': otherNamespace } }, podSelector: { matchLabels: { tier: 'api' } } }] }],
        },
      };
    case 3:
      return {
        ...base,
        spec: {
          podSelector: { matchLabels: { app } },
          policyTypes: ['Egress'],
          egress: [
            { to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.0.1.0/24'] } }], ports: [{ port: 'http' }] },
            { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
          ],
        },
      };
    default:
      return { ...base, spec: { podSelector: { matchLabels: { tier: 'db' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: 'prod' } } }] }] } };
  }
}
