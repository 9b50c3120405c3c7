// A malformed recipe file fails with an InputError naming the file and the offending path.
import { expect } from 'chai';
import type { NetworkPolicy } from '../model/types.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { loadCatalog } from './catalog.ts';
import { parseRecipe } from './parse.ts';

const valid = `
id: t1
title: a test recipe
source: https://example.org/t1
prose:
  - id: web-blocked
    text: client is blocked
    from: default/client
    to: default/web
    protocol: tcp
    port: 80
    expect: blocked
namespaces:
  - name: default
  - name: other
    labels: {team: ops}
pods:
  - namespace: default
    name: web
    labels: {app: web}
    serve:
      - {name: http, port: 80, protocol: TCP, http: true}
      - {name: dns, port: 53, protocol: UDP}
  - {namespace: default, name: client}
  - {namespace: other, name: client}
externals:
  - name: outside
policies:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: web, namespace: default}
    spec:
      podSelector: {matchLabels: {app: web}}
      ingress:
        - from:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: other}}
            - ipBlock: {cidr: "{{external:outside}}/32"}
probes:
  - from: [default/client, other/client, outside]
    to: [default/web]
    protocols: [tcp, http, icmp]
    port: 80
`;

/** Parses `valid` with one edit applied; returns the error message. */
function failure(edit: (text: string) => string, file = 'recipes/t1-test.yaml'): string {
  const text = edit(valid);
  expect(text, 'the edit changed nothing').to.not.equal(valid);
  try {
    parseRecipe(text, file);
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('parseRecipe accepted a malformed recipe');
}

describe('parseRecipe', () => {
  it('reads a valid recipe, keeping placeholders and defaults', () => {
    const recipe = parseRecipe(valid, 'recipes/t1-test.yaml');
    expect(recipe.id).to.equal('t1');
    expect(recipe.pods.map((p) => `${p.namespace}/${p.name}`)).to.deep.equal(['default/web', 'default/client', 'other/client']);
    expect(recipe.pods[1]?.labels).to.deep.equal({});
    expect(recipe.pods[0]?.serve[0]).to.deep.equal({ name: 'http', port: 80, protocol: 'TCP', http: true });
    expect(recipe.probes[0]?.phases).to.deep.equal(['before', 'after']);
    expect((recipe.policies[0] as NetworkPolicy | undefined)?.spec.ingress?.[0]?.from?.[1]?.ipBlock?.cidr).to.equal('{{external:outside}}/32');
    expect(recipe.prose[0]?.check).to.deep.include({ phase: 'after', expect: 'blocked', port: 80 });
    expect(recipe.probes[0]?.families, 'every family of the cluster').to.equal(undefined);
  });

  it('reads IPv6 placeholders, probe families and claim families', () => {
    const recipe = parseRecipe(
      valid
        .replace('{{external:outside}}/32', '{{external:outside:IPv6}}/128')
        .replace('protocols: [tcp, http, icmp]', 'protocols: [tcp, http, icmp]\n    families: [IPv6]')
        .replace('    expect: blocked', '    family: IPv6\n    expect: blocked'),
      'recipes/t1-test.yaml',
    );
    expect((recipe.policies[0] as NetworkPolicy | undefined)?.spec.ingress?.[0]?.from?.[1]?.ipBlock?.cidr).to.equal('{{external:outside:IPv6}}/128');
    expect(recipe.probes[0]?.families).to.deep.equal(['IPv6']);
    expect(recipe.prose[0]?.check?.family).to.equal('IPv6');
  });

  const cases: [string, (text: string) => string, RegExp][] = [
    ['YAML syntax', (t) => t.replace('title: a test recipe', 'title: [unclosed'), /t1-test\.yaml: line \d+, column \d+: /],
    ['unknown top-level field', (t) => t.replace('title:', 'colour: red\ntitle:'), /t1-test\.yaml: colour: unknown field/],
    ['missing probes', (t) => t.slice(0, t.indexOf('probes:')), /t1-test\.yaml: probes: required field is missing/],
    ['id not starting the file name', (t) => t.replace('id: t1', 'id: t2'), /t1-test\.yaml: id: "t2" must start the file name/],
    ['unknown pod field', (t) => t.replace('name: web\n    labels', 'name: web\n    image: nginx\n    labels'), /pods\[0\]\.image: unknown field/],
    ['bad port', (t) => t.replace('port: 80, protocol: TCP, http: true', 'port: 70000, protocol: TCP, http: true'), /pods\[0\]\.serve\[0\]\.port: invalid port 70000/],
    ['http on UDP', (t) => t.replace('port: 53, protocol: UDP}', 'port: 53, protocol: UDP, http: true}'), /pods\[0\]\.serve\[1\]\.http: only a TCP port/],
    ['label value not a string', (t) => t.replace('{team: ops}', '{team: 7}'), /namespaces\[1\]\.labels\.team: must be a string/],
    ['invalid label key', (t) => t.replace('{team: ops}', '{"bad key!": ops}'), /namespaces\[1\]\.labels\["bad key!"\]: invalid label key/],
    ['duplicate YAML key', (t) => t.replace('title: a test recipe', 'title: a test recipe\ntitle: again'), /t1-test\.yaml: line \d+, column \d+: Map keys must be unique/],
    ['metadata.name label written by hand', (t) => t.replace('{team: ops}', '{kubernetes.io/metadata.name: other}'), /namespaces\[1\]\.labels: kubernetes\.io\/metadata\.name is set from the deployed/],
    ['pod in an undeclared namespace', (t) => t.replace('{namespace: other, name: client}', '{namespace: nowhere, name: client}'), /pods\[2\]\.namespace: namespace "nowhere" is not declared/],
    ['probe to an unknown pod', (t) => t.replace('to: [default/web]', 'to: [default/db]'), /probes\[0\]\.to\[0\]: pod "default\/db" is not declared/],
    ['probe to an unknown external', (t) => t.replace('other/client, outside]', 'other/client, nowhere]'), /probes\[0\]\.from\[2\]: "nowhere" is neither a pod/],
    ['probe to a port not served', (t) => t.replace(/ {4}port: 80\n$/, '    port: 8080\n'), /probes\[0\]: default\/web does not serve TCP\/8080/],
    ['http probe to a non-HTTP port', (t) => t.replace('port: 53, protocol: UDP}', 'port: 53, protocol: TCP}').replace('protocols: [tcp, http, icmp]\n    port: 80', 'protocols: [http]\n    port: 53'), /probes\[0\]: default\/web port 53 does not speak HTTP/],
    ['unknown probe protocol', (t) => t.replace('protocols: [tcp, http, icmp]', 'protocols: [tcp, sctp]'), /probes\[0\]\.protocols\[1\]: expected one of tcp, udp, http, icmp/],
    ['port and ports', (t) => t.replace(/ {4}port: 80\n$/, '    port: 80\n    ports: [80]\n'), /probes\[0\]: give either port or ports/],
    ['prose claim no probe covers', (t) => t.replace('    protocol: tcp\n    port: 80\n    expect', '    protocol: udp\n    port: 53\n    expect'), /prose\[0\]: no probe covers this claim \(after default\/client -> default\/web udp\/53\)/],
    ['half a checkable claim', (t) => t.replace('    expect: blocked\n', ''), /prose\[0\]: a checkable claim needs from, to, protocol, expect; missing expect/],
    ['note about an unknown claim', (t) => t.replace('namespaces:', 'notes:\n  - {prose: nope, text: hm}\nnamespaces:'), /notes\[0\]\.prose: no prose claim has id "nope"/],
    ['invalid policy (scenario validator)', (t) => t.replace('podSelector: {matchLabels: {app: web}}', 'podSelector: {matchLabels: {app: web}}\n      policyTypes: [Sideways]'), /t1-test\.yaml: policies\[0\]\.spec\.policyTypes\[0\]/],
    ['unknown policy field', (t) => t.replace('      ingress:', '      ingres:'), /t1-test\.yaml: policies\[0\]\.spec\.ingres: unknown field/],
    ['policy without a namespace', (t) => t.replace('{name: web, namespace: default}', '{name: web}'), /policies\[0\]\.metadata\.namespace/],
    ['policy in an undeclared namespace', (t) => t.replace('{name: web, namespace: default}', '{name: web, namespace: elsewhere}'), /policies\[0\]\.metadata\.namespace: namespace "elsewhere" is not declared/],
    ['placeholder naming no external', (t) => t.replace('{{external:outside}}', '{{external:mars}}'), /policies\[0\]: \{\{external:mars\}\} names no host under externals/],
    ['placeholder of an unknown family', (t) => t.replace('{{external:outside}}', '{{external:outside:ipv6}}'), /policies\[0\]: \{\{external:outside:ipv6\}\}: write \{\{external:outside\}\} for the IPv4 address, \{\{external:outside:IPv6\}\} for the IPv6 one/],
    ['unknown probe family', (t) => t.replace('protocols: [tcp, http, icmp]', 'protocols: [tcp, http, icmp]\n    families: [IPv4, ipv6]'), /probes\[0\]\.families\[1\]: expected one of IPv4, IPv6/],
    ['a family listed twice', (t) => t.replace('protocols: [tcp, http, icmp]', 'protocols: [tcp, http, icmp]\n    families: [IPv6, IPv6]'), /probes\[0\]\.families: a family is listed twice/],
    ['an IPv4 claim only IPv6 probes cover', (t) => t.replace('protocols: [tcp, http, icmp]', 'protocols: [tcp, http, icmp]\n    families: [IPv6]'), /prose\[0\]: no probe covers this claim \(after default\/client -> default\/web tcp\/80\)/],
    ['a claim family on a narrative claim', (t) => t.replace('  - id: web-blocked\n', '  - text: narrative\n    family: IPv6\n  - id: web-blocked\n'), /prose\[0\]: phase, port and family only make sense/],
    ['metadata.name selector naming a foreign namespace', (t) => t.replace('kubernetes.io/metadata.name: other', 'kubernetes.io/metadata.name: kube-system'), /policies\[0\]\.spec\.ingress\[0\]\.from\[0\]\.namespaceSelector\.matchLabels: kubernetes\.io\/metadata\.name "kube-system" is not a namespace of the recipe/],
  ];
  for (const [name, edit, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(failure(edit)).to.match(message);
    });
  }
});

describe('loadCatalog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'recipes-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the malformed file', () => {
    writeFileSync(join(dir, 't1-good.yaml'), valid);
    writeFileSync(join(dir, 't2-bad.yaml'), valid.replace('id: t1', 'id: t2').replace('protocols: [tcp, http, icmp]', 'protocols: tcp-ish'));
    expect(() => loadCatalog(dir)).to.throw(InputError, /t2-bad\.yaml: probes\[0\]\.protocols\[0\]: expected one of/);
  });

  it('rejects two files with the same id', () => {
    writeFileSync(join(dir, 't1-a.yaml'), valid);
    writeFileSync(join(dir, 't1-b.yaml'), valid);
    expect(() => loadCatalog(dir)).to.throw(InputError, /t1-b\.yaml: id: "t1" is also the id of .*t1-a\.yaml/);
  });

  it('rejects an empty or missing directory', () => {
    expect(() => loadCatalog(dir)).to.throw(InputError, /has no \*\.yaml files/);
    expect(() => loadCatalog(join(dir, 'missing'))).to.throw(InputError, /cannot read the recipe catalog/);
  });
});
