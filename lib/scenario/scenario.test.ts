import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { InputError } from '../errors.ts';
import type { NetworkPolicy } from '../model/types.ts';
import { loadScenario, parseScenario } from './scenario.ts';

// Tests reach deep into untyped YAML data to break exactly one field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/** A valid scenario as plain data; each test breaks one thing. */
function base(): Doc {
  return {
    schemaVersion: 1,
    namespaces: [{ name: 'x', labels: { ns: 'x' } }, { name: 'y' }],
    pods: [
      { namespace: 'x', name: 'a', labels: { pod: 'a' }, ip: '10.0.0.1', ports: [{ name: 'serve-80-tcp', port: 80, protocol: 'TCP' }] },
      { namespace: 'y', name: 'b', labels: { pod: 'b' }, ip: '10.0.1.2', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { port: 81 }] },
    ],
    externals: [{ name: 'outside', ip: '203.0.113.10' }],
    policies: [
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'allow', namespace: 'x' },
        spec: {
          podSelector: { matchLabels: { pod: 'a' } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { ns: 'x' } }, podSelector: {} }], ports: [{ port: 'serve-80-tcp' }] },
            { from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.1.0/24'] } }], ports: [{ port: 80, endPort: 90, protocol: 'TCP' }] },
          ],
          egress: [{ to: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }], ports: [{ port: 'dns', protocol: 'UDP' }] }],
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

const policy0 = (s: Doc) => s.policies[0];
const spec0 = (s: Doc) => s.policies[0].spec;

describe('parseScenario: valid files', () => {
  it('reads fixtures and policies into the Model, labelling namespaces with kubernetes.io/metadata.name', () => {
    const scenario = parseScenario(stringify(base()), 'scenario.yaml');
    expect(scenario.file).to.equal('scenario.yaml');
    expect(scenario.model.namespaces).to.deep.equal([
      { name: 'x', labels: { ns: 'x', 'kubernetes.io/metadata.name': 'x' } },
      { name: 'y', labels: { 'kubernetes.io/metadata.name': 'y' } },
    ]);
    expect(scenario.model.pods[1]).to.deep.equal({
      namespace: 'y',
      name: 'b',
      labels: { pod: 'b' },
      ip: '10.0.1.2',
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { port: 81, protocol: 'TCP' }],
    });
    expect(scenario.model.externals).to.deep.equal([{ name: 'outside', ip: '203.0.113.10' }]);
    expect(scenario.policies).to.deep.equal(base().policies);
  });

  it('accepts a minimal file: no schemaVersion, externals or policies; null means absent', () => {
    const scenario = parseScenario('namespaces: [{name: x}]\npods: [{namespace: x, name: a, labels: null}]\npolicies:\n', 'min.yaml');
    expect(scenario.model).to.deep.equal({
      namespaces: [{ name: 'x', labels: { 'kubernetes.io/metadata.name': 'x' } }],
      pods: [{ namespace: 'x', name: 'a', labels: {}, ports: [] }],
      externals: [],
    });
    expect(scenario.policies).to.deep.equal([]);
  });

  it('defaults a missing spec.podSelector to {} (a non-pointer struct in the API)', () => {
    const scenario = base();
    delete spec0(scenario).podSelector;
    expect((parseScenario(stringify(scenario), 's.yaml').policies[0] as NetworkPolicy).spec.podSelector).to.deep.equal({});
  });

  it('loads a file from disk and names it in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scenario-'));
    try {
      const file = join(dir, 'ok.yaml');
      await writeFile(file, stringify(base()));
      expect((await loadScenario(file)).policies).to.have.length(1);
      const missing = join(dir, 'missing.yaml');
      try {
        await loadScenario(missing);
        expect.fail('expected an InputError');
      } catch (e) {
        expect(e).to.be.instanceOf(InputError);
        expect((e as Error).message).to.equal(`${missing}: cannot read the scenario file (ENOENT)`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('parseScenario: file-level errors', () => {
  it('reports YAML syntax errors with line and column', () => {
    expect(() => parseScenario('namespaces: [x\npods: []\n', 'bad.yaml')).to.throw(InputError, /^bad\.yaml: line \d+, column \d+: /);
  });

  it('rejects duplicate keys and multiple documents', () => {
    expect(() => parseScenario('pods: []\npods: []\n', 'dup.yaml')).to.throw(InputError, /^dup\.yaml: line 2, column 1: Map keys must be unique/);
    expect(() => parseScenario('pods: []\n---\npods: []\n', 'multi.yaml')).to.throw(InputError, /^multi\.yaml: line 2, column 1: contains more than one YAML document$/);
    expect(() => parseScenario('pods: *nowhere\n', 'alias.yaml')).to.throw(InputError, /^alias\.yaml: .*nowhere/);
  });

  it('requires a mapping at the top, with known fields only', () => {
    expect(() => parseScenario('- a\n', 'list.yaml')).to.throw(InputError, 'list.yaml: must be a mapping, got a list');
    expect(() => parseScenario('', 'empty.yaml')).to.throw(InputError, 'empty.yaml: must be a mapping, got nothing');
    expect(errorOf((s) => (s.policy = []))).to.equal(
      'scenario.yaml: policy: unknown field (allowed: schemaVersion, namespaces, serviceAccounts, pods, externals, policies)',
    );
  });

  it('rejects an unsupported schemaVersion', () => {
    expect(errorOf((s) => (s.schemaVersion = 2))).to.match(/^scenario\.yaml: schemaVersion: unsupported schemaVersion 2/);
  });

  it('requires namespaces and pods', () => {
    expect(errorOf((s) => delete s.pods)).to.equal('scenario.yaml: pods: required value');
  });
});

describe('parseScenario: fixture errors', () => {
  const cases: [string, (s: Doc) => void, string | RegExp][] = [
    ['namespace name syntax', (s) => (s.namespaces[0].name = 'X_1'), /^scenario\.yaml: namespaces\[0\]\.name: invalid name "X_1": must be a lowercase RFC 1123 label/],
    ['duplicate namespace', (s) => (s.namespaces[1].name = 'x'), 'scenario.yaml: namespaces[1].name: duplicate namespace "x"'],
    ['metadata.name label set to another name', (s) => (s.namespaces[0].labels['kubernetes.io/metadata.name'] = 'y'), 'scenario.yaml: namespaces[0].labels["kubernetes.io/metadata.name"]: must equal the namespace name "x" (the API server sets it)'],
    ['label key syntax', (s) => (s.pods[0].labels = { 'a/b/c': 'x' }), /^scenario\.yaml: pods\[0\]\.labels\["a\/b\/c"\]: invalid label key: a qualified name may contain at most one '\/'/],
    ['label value syntax', (s) => (s.pods[0].labels = { pod: '-a' }), /^scenario\.yaml: pods\[0\]\.labels\.pod: invalid label value "-a"/],
    ['label value type', (s) => (s.pods[0].labels = { enabled: true }), 'scenario.yaml: pods[0].labels.enabled: must be a string, got boolean true'],
    ['pod in an undeclared namespace', (s) => (s.pods[0].namespace = 'q'), 'scenario.yaml: pods[0].namespace: namespace "q" is not declared in namespaces'],
    ['duplicate pod', (s) => (s.pods[1] = { ...s.pods[0], ip: '10.0.0.9' }), 'scenario.yaml: pods[1].name: duplicate pod x/a'],
    ['unknown pod field', (s) => (s.pods[0].image = 'nginx'), /^scenario\.yaml: pods\[0\]\.image: unknown field/],
    ['pod IP syntax', (s) => (s.pods[0].ip = '10.0.0.256'), 'scenario.yaml: pods[0].ip: "10.0.0.256" is not a valid IPv4 or IPv6 address'],
    ['container port range', (s) => (s.pods[0].ports[0].port = 0), 'scenario.yaml: pods[0].ports[0].port: invalid port 0: must be between 1 and 65535, inclusive'],
    ['container port name syntax', (s) => (s.pods[0].ports[0].name = 'serve-80-tcp-long'), /^scenario\.yaml: pods\[0\]\.ports\[0\]\.name: invalid name "serve-80-tcp-long": must be no more than 15/],
    ['container port protocol', (s) => (s.pods[0].ports[0].protocol = 'tcp'), 'scenario.yaml: pods[0].ports[0].protocol: unsupported value "tcp": supported values: "TCP", "UDP", "SCTP"'],
    ['duplicate port name in a pod', (s) => s.pods[0].ports.push({ name: 'serve-80-tcp', port: 81 }), 'scenario.yaml: pods[0].ports[1].name: duplicate port name "serve-80-tcp"'],
    ['external name syntax', (s) => (s.externals[0].name = 'out/side'), /^scenario\.yaml: externals\[0\]\.name: invalid name "out\/side"/],
    ['IP used twice', (s) => (s.externals[0].ip = '10.0.0.1'), 'scenario.yaml: externals[0].ip: 10.0.0.1 is already used by pods[0].ip'],
  ];
  for (const [what, mutate, expected] of cases) {
    it(`rejects ${what}`, () => {
      const message = errorOf(mutate);
      if (typeof expected === 'string') expect(message).to.equal(expected);
      else expect(message).to.match(expected);
    });
  }
});

describe('parseScenario: NetworkPolicy validation', () => {
  const P = 'scenario.yaml: policies[0]';
  const cases: [string, (s: Doc) => void, string | RegExp][] = [
    ['a wrong apiVersion', (s) => (policy0(s).apiVersion = 'networking.k8s.io/v1beta1'), `${P}.apiVersion: must be "networking.k8s.io/v1" (NetworkPolicy) or "projectcalico.org/v3" (Tier, NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy), got "networking.k8s.io/v1beta1"`],
    ['a wrong kind', (s) => (policy0(s).kind = 'GlobalNetworkPolicy'), `${P}.kind: must be "NetworkPolicy", got "GlobalNetworkPolicy"`],
    ['an unknown top-level field', (s) => (policy0(s).status = {}), /^scenario\.yaml: policies\[0\]\.status: unknown field \(allowed: apiVersion, kind, metadata, spec\)$/],
    ['an unknown metadata field', (s) => (policy0(s).metadata.uid = 'x'), /^scenario\.yaml: policies\[0\]\.metadata\.uid: unknown field/],
    ['an unknown spec field', (s) => (spec0(s).ingres = []), /^scenario\.yaml: policies\[0\]\.spec\.ingres: unknown field/],
    ['an unknown rule field', (s) => (spec0(s).ingress[0].to = []), /^scenario\.yaml: policies\[0\]\.spec\.ingress\[0\]\.to: unknown field \(allowed: ports, from\)$/],
    ['an unknown peer field', (s) => (spec0(s).egress[0].to[0].serviceAccount = 'x'), /^scenario\.yaml: policies\[0\]\.spec\.egress\[0\]\.to\[0\]\.serviceAccount: unknown field/],
    ['an unknown selector field', (s) => (spec0(s).podSelector.matchLabel = {}), /^scenario\.yaml: policies\[0\]\.spec\.podSelector\.matchLabel: unknown field/],
    ['a name that is not a DNS-1123 subdomain', (s) => (policy0(s).metadata.name = 'Allow_All'), /^scenario\.yaml: policies\[0\]\.metadata\.name: invalid name "Allow_All": must be a lowercase RFC 1123 subdomain/],
    ['a missing name', (s) => delete policy0(s).metadata.name, `${P}.metadata.name: required value`],
    ['a missing namespace', (s) => delete policy0(s).metadata.namespace, `${P}.metadata.namespace: required value`],
    ['a namespace not in the scenario', (s) => (policy0(s).metadata.namespace = 'z'), `${P}.metadata.namespace: namespace "z" is not declared in namespaces`],
    ['a duplicate policy', (s) => s.policies.push(structuredClone(policy0(s))), 'scenario.yaml: policies[1].metadata.name: duplicate NetworkPolicy x/allow'],
    ['a missing spec', (s) => delete policy0(s).spec, `${P}.spec: required value`],
    ['an invalid selector operator', (s) => (spec0(s).egress[0].to[0].podSelector.matchExpressions[0].operator = 'Equals'), `${P}.spec.egress[0].to[0].podSelector.matchExpressions[0].operator: "Equals" is not a valid selector operator (In, NotIn, Exists, DoesNotExist)`],
    ['In without values', (s) => (spec0(s).egress[0].to[0].podSelector.matchExpressions[0].values = []), `${P}.spec.egress[0].to[0].podSelector.matchExpressions[0].values: must be specified when \`operator\` is 'In' or 'NotIn'`],
    ['Exists with values', (s) => (spec0(s).egress[0].to[0].podSelector.matchExpressions[0].operator = 'Exists'), `${P}.spec.egress[0].to[0].podSelector.matchExpressions[0].values: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`],
    ['an invalid selector key', (s) => (spec0(s).egress[0].to[0].podSelector.matchExpressions[0].key = 'bad key'), /^scenario\.yaml: policies\[0\]\.spec\.egress\[0\]\.to\[0\]\.podSelector\.matchExpressions\[0\]\.key: invalid label key "bad key"/],
    ['an invalid selector value', (s) => (spec0(s).egress[0].to[0].podSelector.matchExpressions[0].values = ['b c']), /^scenario\.yaml: policies\[0\]\.spec\.egress\[0\]\.to\[0\]\.podSelector\.matchExpressions\[0\]\.values\[0\]: invalid label value "b c"/],
    ['an invalid matchLabels value', (s) => (spec0(s).podSelector.matchLabels = { pod: 'a'.repeat(64) }), /^scenario\.yaml: policies\[0\]\.spec\.podSelector\.matchLabels\.pod: invalid label value ".*": must be no more than 63 characters$/],
    ['an unsupported policyType', (s) => (spec0(s).policyTypes = ['ingress']), `${P}.spec.policyTypes[0]: unsupported value "ingress": supported values: "Ingress", "Egress"`],
    ['more than two policyTypes', (s) => (spec0(s).policyTypes = ['Ingress', 'Egress', 'Ingress']), `${P}.spec.policyTypes: may not specify more than two policyTypes`],
    ['port 0', (s) => (spec0(s).ingress[1].ports[0] = { port: 0 }), `${P}.spec.ingress[1].ports[0].port: invalid port 0: must be between 1 and 65535, inclusive`],
    ['port 65536', (s) => (spec0(s).ingress[1].ports[0] = { port: 65536 }), `${P}.spec.ingress[1].ports[0].port: invalid port 65536: must be between 1 and 65535, inclusive`],
    ['a fractional port', (s) => (spec0(s).ingress[1].ports[0] = { port: 80.5 }), `${P}.spec.ingress[1].ports[0].port: must be an integer, got number 80.5`],
    ['a numeric string port (it is a name, and names need a letter)', (s) => (spec0(s).ingress[1].ports[0] = { port: '80' }), `${P}.spec.ingress[1].ports[0].port: invalid named port "80": must contain at least one letter`],
    ['a named port with bad syntax', (s) => (spec0(s).ingress[0].ports[0].port = 'Serve--80'), /^scenario\.yaml: policies\[0\]\.spec\.ingress\[0\]\.ports\[0\]\.port: invalid named port "Serve--80": must contain only lowercase/],
    ['endPort without port', (s) => (spec0(s).ingress[1].ports[0] = { endPort: 90 }), `${P}.spec.ingress[1].ports[0].endPort: may not be specified when \`port\` is not specified`],
    ['endPort with a named port', (s) => (spec0(s).ingress[0].ports[0].endPort = 90), `${P}.spec.ingress[0].ports[0].endPort: may not be specified when \`port\` is non-numeric`],
    ['endPort below port', (s) => (spec0(s).ingress[1].ports[0] = { port: 90, endPort: 80 }), `${P}.spec.ingress[1].ports[0].endPort: must be greater than or equal to \`port\` (90)`],
    ['endPort above 65535', (s) => (spec0(s).ingress[1].ports[0] = { port: 90, endPort: 70000 }), `${P}.spec.ingress[1].ports[0].endPort: invalid endPort 70000: must be between 1 and 65535, inclusive`],
    ['an unsupported protocol', (s) => (spec0(s).ingress[1].ports[0].protocol = 'ICMP'), `${P}.spec.ingress[1].ports[0].protocol: unsupported value "ICMP": supported values: "TCP", "UDP", "SCTP"`],
    ['ipBlock combined with podSelector', (s) => (spec0(s).ingress[1].from[0].podSelector = {}), `${P}.spec.ingress[1].from[0]: ipBlock cannot be combined with podSelector`],
    ['ipBlock combined with namespaceSelector', (s) => (spec0(s).ingress[1].from[0].namespaceSelector = {}), `${P}.spec.ingress[1].from[0]: ipBlock cannot be combined with namespaceSelector`],
    ['an empty peer', (s) => (spec0(s).ingress[0].from[0] = {}), `${P}.spec.ingress[0].from[0]: must specify a peer: podSelector, namespaceSelector or ipBlock`],
    ['a peer whose selectors are null', (s) => (spec0(s).ingress[0].from[0] = { podSelector: null }), `${P}.spec.ingress[0].from[0]: must specify a peer: podSelector, namespaceSelector or ipBlock`],
    ['an invalid CIDR', (s) => (spec0(s).ingress[1].from[0].ipBlock.cidr = '10.0.0.0/33'), `${P}.spec.ingress[1].from[0].ipBlock.cidr: "10.0.0.0/33" is not a valid CIDR (e.g. "10.0.0.0/16" or "2001:db8::/64")`],
    ['a bare IP as CIDR', (s) => (spec0(s).ingress[1].from[0].ipBlock.cidr = '10.0.0.1'), /^scenario\.yaml: policies\[0\]\.spec\.ingress\[1\]\.from\[0\]\.ipBlock\.cidr: "10\.0\.0\.1" is not a valid CIDR/],
    ['a missing cidr', (s) => (spec0(s).ingress[1].from[0].ipBlock = { except: [] }), `${P}.spec.ingress[1].from[0].ipBlock.cidr: required value`],
    ['an invalid except', (s) => (spec0(s).ingress[1].from[0].ipBlock.except = ['10.0.1.0/24x']), `${P}.spec.ingress[1].from[0].ipBlock.except[0]: "10.0.1.0/24x" is not a valid CIDR`],
    ['an except outside the cidr', (s) => (spec0(s).ingress[1].from[0].ipBlock.except = ['10.1.0.0/24']), `${P}.spec.ingress[1].from[0].ipBlock.except[0]: "10.1.0.0/24" must be a strict subset of cidr "10.0.0.0/16"`],
    ['an except equal to the cidr', (s) => (spec0(s).ingress[1].from[0].ipBlock.except = ['10.0.0.0/16']), /must be a strict subset of cidr/],
    ['an except of the other IP family', (s) => (spec0(s).ingress[1].from[0].ipBlock.except = ['::/64']), /ipBlock\.except\[0\]: "::\/64" must be a strict subset of cidr/],
    ['a named port no pod declares', (s) => (spec0(s).ingress[0].ports[0].port = 'serve-90-tcp'), `${P}.spec.ingress[0].ports[0].port: named port "serve-90-tcp" (TCP) is not declared by any pod`],
    ['a named port declared only for another protocol', (s) => (spec0(s).egress[0].ports[0].protocol = 'TCP'), `${P}.spec.egress[0].ports[0].port: named port "dns" (TCP) is not declared by any pod`],
    ['a pod without an IP when an ipBlock needs it', (s) => delete s.pods[1].ip, 'scenario.yaml: pods[1].ip: required because policies[0].spec.ingress[1].from[0].ipBlock matches endpoints by IP'],
    ['an external without an IP when an ipBlock needs it', (s) => delete s.externals[0].ip, 'scenario.yaml: externals[0].ip: required because policies[0].spec.ingress[1].from[0].ipBlock matches endpoints by IP'],
  ];
  for (const [what, mutate, expected] of cases) {
    it(`rejects ${what}`, () => {
      const message = errorOf(mutate);
      if (typeof expected === 'string') expect(message).to.equal(expected);
      else expect(message).to.match(expected);
    });
  }

  it('accepts IPv6 ipBlocks with excepts, and a CIDR with host bits set (as the API server does)', () => {
    const scenario = base();
    spec0(scenario).ingress[1].from.push({ ipBlock: { cidr: '2001:db8::/48', except: ['2001:db8::/64'] } }, { ipBlock: { cidr: '10.0.0.1/24' } });
    expect((parseScenario(stringify(scenario), 's.yaml').policies[0] as NetworkPolicy).spec.ingress![1]!.from).to.have.length(3);
  });
});
