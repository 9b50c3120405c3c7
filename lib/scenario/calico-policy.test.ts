// Calico resources in a scenario file: accepted, defaulted as Calico's client defaults them, and
// rejected with one-line errors that name the file, the path and (for selectors) the character.
import { expect } from 'chai';
import { stringify } from 'yaml';
import { InputError } from '../errors.ts';
import type { CalicoPolicy, CalicoTier } from '../model/calico.ts';
import { parseScenario } from './scenario.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

function base(): Doc {
  return {
    namespaces: [{ name: 'shop', labels: { team: 'shop' } }, { name: 'kube-system' }],
    serviceAccounts: [{ namespace: 'shop', name: 'api', labels: { role: 'api' } }],
    pods: [
      { namespace: 'shop', name: 'web', labels: { app: 'web' }, ip: '10.0.0.1', ports: [{ name: 'http', port: 80 }] },
      { namespace: 'shop', name: 'api', serviceAccount: 'api', ip: '10.0.0.2' },
      { namespace: 'kube-system', name: 'dns', labels: { 'k8s-app': 'kube-dns' }, ip: '10.0.1.1', ports: [{ port: 53, protocol: 'UDP' }] },
    ],
    externals: [{ name: 'outside', ip: '203.0.113.7' }],
    policies: [
      { apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } },
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'GlobalNetworkPolicy',
        metadata: { name: 'security.deny-outside' },
        spec: {
          tier: 'security',
          order: 10,
          selector: "app == 'web'",
          ingress: [{ action: 'Deny', source: { nets: ['203.0.113.0/24'] } }, { action: 'Pass' }],
        },
      },
      {
        apiVersion: 'projectcalico.org/v3',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow-api', namespace: 'shop' },
        spec: {
          selector: "app == 'web'",
          ingress: [{ action: 'Allow', protocol: 'TCP', source: { serviceAccounts: { names: ['api'] } }, destination: { ports: ['http', '8000:8080'] } }],
          egress: [{ action: 'Allow', protocol: 'UDP', destination: { selector: "k8s-app == 'kube-dns'", namespaceSelector: 'all()', ports: [53] } }],
        },
      },
    ],
  };
}

function errorOf(mutate: (s: Doc) => void): string {
  const scenario = base();
  mutate(scenario);
  try {
    parseScenario(stringify(scenario), 'scenario.yaml');
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    const message = (e as InputError).message;
    expect(message, 'one line').not.to.include('\n');
    return message;
  }
  throw new Error('expected an InputError');
}

const gnp = (s: Doc) => s.policies[1];
const np = (s: Doc) => s.policies[2];

describe('parseScenario: Calico resources', () => {
  it('accepts tiers and Calico policies next to Kubernetes ones, defaulting types and the tier label as Calico does', () => {
    const scenario = parseScenario(stringify(base()), 's.yaml');
    expect(scenario.policies.map((p) => p.kind)).to.deep.equal(['Tier', 'GlobalNetworkPolicy', 'NetworkPolicy']);
    const [tier, global, namespaced] = scenario.policies as [CalicoTier, CalicoPolicy, CalicoPolicy];
    expect(tier.spec).to.deep.equal({ order: 100 });
    // api/pkg/defaults/networkpolicy.go: ingress rules only -> [Ingress]; both -> [Ingress, Egress].
    expect(global.spec.types).to.deep.equal(['Ingress']);
    expect(namespaced.spec.types).to.deep.equal(['Ingress', 'Egress']);
    expect(global.metadata.labels).to.deep.equal({ 'projectcalico.org/tier': 'security' });
    expect(namespaced.metadata.labels).to.deep.equal({ 'projectcalico.org/tier': 'default' });
    expect(scenario.model.pods[1]!.serviceAccount).to.equal('api');
    expect(scenario.model.serviceAccounts).to.deep.equal([{ namespace: 'shop', name: 'api', labels: { role: 'api' } }]);
  });

  it('accepts crd.projectcalico.org/v1, the group felix reads without a Calico API server', () => {
    const scenario = base();
    for (const p of scenario.policies) p.apiVersion = 'crd.projectcalico.org/v1';
    expect(parseScenario(stringify(scenario), 's.yaml').policies[0]!.apiVersion).to.equal('crd.projectcalico.org/v1');
  });

  const G = 'scenario.yaml: policies[1]';
  const N = 'scenario.yaml: policies[2]';
  const cases: [string, (s: Doc) => void, string | RegExp][] = [
    ['a selector typo, at its character', (s) => (gnp(s).spec.selector = 'app = web'), `${G}.spec.selector: invalid selector: expected '==' (a single '=' is not an operator) at character 5 of "app = web" (at "= web")`],
    ['an unquoted value', (s) => (np(s).spec.ingress[0].source = { selector: 'role == api' }), `${N}.spec.ingress[0].source.selector: invalid selector: expected a quoted string ('...' or "...") after == at character 9 of "role == api" (at "api")`],
    ['global() outside a namespaceSelector', (s) => (gnp(s).spec.selector = 'global()'), `${G}.spec.selector: global() can only be used in a rule's namespaceSelector`],
    ['global() combined with more', (s) => (np(s).spec.egress[0].destination.namespaceSelector = "global() || a == 'b'"), `${N}.spec.egress[0].destination.namespaceSelector: global() cannot be combined with other selectors`],
    ['an undeclared tier', (s) => s.policies.splice(0, 1), 'scenario.yaml: policies[0].spec.tier: tier "security" is not declared: add a projectcalico.org/v3 Tier named "security" to policies'],
    ['a tier policy without the tier prefix', (s) => (gnp(s).metadata.name = 'deny-outside'), `${G}.metadata.name: a policy of tier "security" must be named "security.<name>" (Calico v3.31 requires it)`],
    ['a prefix naming another tier', (s) => (gnp(s).metadata.name = 'other.deny-outside'), `${G}.metadata.name: the part before the dot must be the policy's tier "security", got "other"`],
    ['a namespace on a GlobalNetworkPolicy', (s) => (gnp(s).metadata.namespace = 'shop'), `${G}.metadata.namespace: a GlobalNetworkPolicy is cluster-wide and has no namespace`],
    ['a namespaced policy without namespace', (s) => delete np(s).metadata.namespace, `${N}.metadata.namespace: required value`],
    ['an undeclared namespace', (s) => (np(s).metadata.namespace = 'nowhere'), `${N}.metadata.namespace: namespace "nowhere" is not declared in namespaces`],
    ['namespaceSelector on a namespaced policy', (s) => (np(s).spec.namespaceSelector = 'all()'), /^scenario\.yaml: policies\[2\]\.spec\.namespaceSelector: unknown field \(allowed: tier, order, /],
    ['an unknown action', (s) => (np(s).spec.ingress[0].action = 'Accept'), `${N}.spec.ingress[0].action: unsupported value "Accept": supported values: "Allow", "Deny", "Pass", "Log"`],
    ['numeric ports without protocol', (s) => delete np(s).spec.egress[0].protocol, `${N}.spec.egress[0].destination.ports[0]: rules with numeric port or port range must set protocol to TCP or UDP or SCTP`],
    ['ports with ICMP', (s) => (np(s).spec.egress[0].protocol = 'ICMP'), `${N}.spec.egress[0].destination.ports[0]: rules that specify ports must set protocol to TCP or UDP or SCTP`],
    ['icmp fields without protocol ICMP', (s) => (gnp(s).spec.ingress[1].icmp = { type: 8 }), `${G}.spec.ingress[1].icmp: rules that specify ICMP fields must set protocol to ICMP`],
    ['an ICMP code without type', (s) => Object.assign(gnp(s).spec.ingress[1], { protocol: 'ICMP', icmp: { code: 1 } }), `${G}.spec.ingress[1].icmp.code: ICMP code specified without an ICMP type`],
    ['a bad CIDR', (s) => (gnp(s).spec.ingress[0].source.nets = ['203.0.113.0/33']), `${G}.spec.ingress[0].source.nets[0]: "203.0.113.0/33" is not a valid CIDR`],
    ['mixed IP families', (s) => (gnp(s).spec.ingress[0].source.nets = ['203.0.113.0/24', '2001:db8::/64']), `${G}.spec.ingress[0].source.nets: rule contains both IPv4 and IPv6 CIDRs`],
    ['a catch-all notNets', (s) => (gnp(s).spec.ingress[0].source = { notNets: ['0.0.0.0/0'] }), `${G}.spec.ingress[0].source.notNets[0]: catch-all CIDR in negation creates logical contradiction (matches no traffic)`],
    ['source ports', (s) => (np(s).spec.ingress[0].source.ports = [1234]), /^scenario\.yaml: policies\[2\]\.spec\.ingress\[0\]\.source\.ports: not supported: a probe's source port/],
    ['an HTTP match', (s) => (np(s).spec.ingress[0].http = { methods: ['GET'] }), /^scenario\.yaml: policies\[2\]\.spec\.ingress\[0\]\.http: not supported: HTTP matches need/],
    ['a service match', (s) => (np(s).spec.egress[0].destination = { services: { name: 'x' } }), /^scenario\.yaml: policies\[2\]\.spec\.egress\[0\]\.destination\.services: not supported/],
    ['host endpoint flags', (s) => (gnp(s).spec.doNotTrack = true), `${G}.spec.doNotTrack: host endpoint policy (doNotTrack) is not supported: the harness probes pods, not host endpoints`],
    ['a named port no pod declares', (s) => (np(s).spec.ingress[0].destination.ports = ['https']), `${N}.spec.ingress[0].destination.ports[0]: named port "https" is not declared by any pod with protocol TCP`],
    ['a duplicate type', (s) => (np(s).spec.types = ['Ingress', 'Ingress']), `${N}.spec.types[1]: 'Ingress' type specified more than once`],
    ['a tier with a dot', (s) => (s.policies[0].metadata.name = 'sec.urity'), /^scenario\.yaml: policies\[0\]\.metadata\.name: invalid tier name "sec\.urity"/],
    ['the default tier at another order', (s) => s.policies.push({ apiVersion: 'projectcalico.org/v3', kind: 'Tier', metadata: { name: 'default' }, spec: { order: 5, defaultAction: 'Pass' } }), 'scenario.yaml: policies[3].spec.order: default tier order must be 1000000'],
    ['a tier default action', (s) => (s.policies[0].spec.defaultAction = 'Allow'), 'scenario.yaml: policies[0].spec.defaultAction: must be "Deny" or "Pass", got "Allow"'],
    ['a duplicate GlobalNetworkPolicy', (s) => s.policies.push(structuredClone(gnp(s))), 'scenario.yaml: policies[3].metadata.name: duplicate GlobalNetworkPolicy security.deny-outside'],
    ['an unknown kind', (s) => (np(s).kind = 'NetworkSet'), `${N}.kind: must be one of Tier, NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy for projectcalico.org/v3, got "NetworkSet"`],
    ['a service account nobody declares', (s) => (s.pods[1].serviceAccount = 'ghost'), 'scenario.yaml: pods[1].serviceAccount: service account shop/ghost is not declared under serviceAccounts'],
    ['nets with an endpoint without IP', (s) => delete s.pods[0].ip, 'scenario.yaml: pods[0].ip: required because policies[1].spec.ingress[0].source.nets matches endpoints by IP'],
  ];
  for (const [what, mutate, expected] of cases) {
    it(`rejects ${what}`, () => {
      const message = errorOf(mutate);
      if (typeof expected === 'string') expect(message).to.equal(expected);
      else expect(message).to.match(expected);
    });
  }

  it('lets a Calico NetworkPolicy and a Kubernetes NetworkPolicy share a name (they are different objects)', () => {
    const scenario = base();
    scenario.policies.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-api', namespace: 'shop' }, spec: { podSelector: {} } });
    expect(parseScenario(stringify(scenario), 's.yaml').policies).to.have.length(4);
  });
});
