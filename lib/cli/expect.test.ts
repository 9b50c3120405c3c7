// Runs the real CLI (`node bin/netpol-conformance.js expect ...`) on example and broken scenarios.
import { expect } from 'chai';
import { runCliSync, type CliRun } from '../testing/cli.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const docsExample = 'examples/test-network-policy.yaml';

function cli(...args: string[]): CliRun {
  return runCliSync(['expect', ...args], 30_000);
}

interface Result {
  from: string;
  to: string;
  protocol: string;
  port: number;
  allowed: boolean;
  reason: string;
}

describe('netpol-conformance expect (CLI)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'expect-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  function scenarioFile(name: string, text: string): string {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  describe('--json on the Kubernetes docs example', () => {
    let results: Result[] = [];
    let run: ReturnType<typeof cli>;
    before(() => {
      run = cli(docsExample, '--json');
      results = (JSON.parse(run.stdout) as { results: Result[] }).results;
    });
    const find = (from: string, to: string, port: number) => results.find((r) => r.from === from && r.to === to && r.port === port);

    it('exits 0 with exactly one JSON object on stdout and nothing on stderr', () => {
      expect(run.status).to.equal(0);
      expect(run.stderr).to.equal('');
      expect(Object.keys(JSON.parse(run.stdout) as object)).to.deep.equal(['results']);
    });

    it('has one entry per ordered pair of different endpoints and port the target serves', () => {
      // 5 pods serving one port each, reached from the 6 other endpoints = 30; 2 externals reached
      // from 5 pods on the 3 ports pods declare = 30; no external-to-external pairs.
      expect(results).to.have.length(60);
      expect(results.every((r) => r.from !== r.to)).to.equal(true);
      expect(results.some((r) => !r.from.includes('/') && !r.to.includes('/'))).to.equal(false);
      expect(Object.keys(results[0]!)).to.deep.equal(['from', 'to', 'protocol', 'port', 'allowed', 'reason']);
    });

    it('gives the verdicts the documentation describes for test-network-policy', () => {
      expect(find('default/frontend', 'default/db', 6379)).to.include({ allowed: true, protocol: 'TCP' });
      expect(find('myproject/app', 'default/db', 6379)!.allowed, 'namespaceSelector project=myproject').to.equal(true);
      expect(find('default/backend', 'default/db', 6379)!.allowed, 'in 172.17.0.0/16').to.equal(true);
      expect(find('partner', 'default/db', 6379)!.allowed, 'external in 172.17.0.0/16').to.equal(true);
      expect(find('internet', 'default/db', 6379)!.allowed).to.equal(false);
      expect(find('other/app', 'default/db', 6379)).to.deep.equal({
        from: 'other/app',
        to: 'default/db',
        protocol: 'TCP',
        port: 6379,
        allowed: false,
        reason: 'ingress to default/db blocked: no ingress rule of default/test-network-policy allows TCP/6379 from other/app; egress from other/app not isolated',
      });
      expect(find('default/db', 'other/app', 5978)!.allowed, 'egress to 10.0.0.0/24 on 5978').to.equal(true);
      expect(find('default/db', 'internet', 5978)!.allowed).to.equal(false);
      expect(find('default/db', 'default/frontend', 80)!.allowed).to.equal(false);
    });
  });

  it('prints one truth table per served protocol/port, then ICMP', () => {
    const run = cli('examples/netpol-e2e-namespaces.yaml');
    expect(run.status).to.equal(0);
    const sections = run.stdout.split('\n\n');
    expect(sections.map((s) => s.split('\n')[0])).to.deep.equal([
      'examples/netpol-e2e-namespaces.yaml: 5 pods, 1 external host, 2 policies',
      'TCP/80',
      'TCP/81',
      'ICMP',
    ]);
    expect(sections[1]).to.include('z/a      X    .    .    .    -    .');
    expect(sections[1]).to.include('x/b      X    -    .    .    .    X');
    expect(sections[2]).to.include('y/a      X    .    -    .    .    .');
  });

  const broken: [string, string, string][] = [
    [
      'ipblock-with-selector.yaml',
      'namespaces: [{name: x}]\npods: [{namespace: x, name: a, ip: 10.0.0.1}]\npolicies:\n- apiVersion: networking.k8s.io/v1\n  kind: NetworkPolicy\n  metadata: {name: p, namespace: x}\n  spec:\n    podSelector: {}\n    ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]\n',
      'policies[0].spec.ingress[0].from[0]: ipBlock cannot be combined with podSelector',
    ],
    ['syntax.yaml', 'namespaces: [x\npods: []\n', 'line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]'],
    ['unknown-field.yaml', 'namespaces: []\npods: []\nservices: []\n', 'services: unknown field (allowed: schemaVersion, namespaces, serviceAccounts, pods, externals, policies)'],
  ];
  for (const [name, text, message] of broken) {
    it(`exits 2 with one line on stderr for a broken scenario (${name})`, () => {
      const file = scenarioFile(name, text);
      const run = cli(file, '--json');
      expect(run.status).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.equal(`netpol-conformance expect: ${file}: ${message}\n`);
    });
  }

  it('exits 2 for a missing file, no file, or an unknown option', () => {
    const missing = cli(join(dir, 'nope.yaml'));
    expect([missing.status, missing.stderr.split('\n').length]).to.deep.equal([2, 2]);
    expect(missing.stderr).to.match(/nope\.yaml: cannot read the scenario file \(ENOENT\)/);
    expect(cli().status).to.equal(2);
    expect(cli(docsExample, '--yaml').stderr).to.equal('netpol-conformance expect: unknown option "--yaml"; see `netpol-conformance expect --help`\n');
  });

  describe('Calico resources (examples/calico-tiers.yaml)', () => {
    it('evaluates tiers, Calico policies and Kubernetes policies together, naming tier, policy and rule', () => {
      const run = cli('examples/calico-tiers.yaml', '--json', '--to', 'production/db');
      expect(run.status, run.stderr).to.equal(0);
      const results = (JSON.parse(run.stdout) as { results: Result[] }).results;
      expect(results.map((r) => `${r.from} ${r.allowed ? 'allowed' : 'blocked'}`)).to.deep.equal([
        'production/api allowed',
        'staging/api blocked',
        'kube-system/coredns blocked',
      ]);
      expect(results[1]!.reason).to.equal(
        'ingress to production/db denied by GlobalNetworkPolicy security.isolate-production rule 0 (tier security); egress from staging/api blocked at the end of tier default (its default action is Deny): no egress rule of GlobalNetworkPolicy deny-app-policy allows, denies or passes TCP/6379 to production/db',
      );
      // api-to-db (a Kubernetes policy: order 1000) comes before deny-app-policy (no order: last).
      expect(results[2]!.reason).to.match(/^ingress to production\/db blocked at the end of tier default .*: no ingress rule of production\/api-to-db, GlobalNetworkPolicy deny-app-policy allows, denies or passes TCP\/6379 from kube-system\/coredns/);
    });

    it('says how many policies are Calico and how many tiers', () => {
      expect(cli('examples/calico-tiers.yaml').stdout.split('\n')[0]).to.equal('examples/calico-tiers.yaml: 4 pods, 0 external hosts, 4 policies (3 of them Calico), 1 tier');
    });
  });

  describe('--from and --to', () => {
    it('limit the sources and targets, by pod, namespace or external host', () => {
      const run = cli(docsExample, '--json', '--from', 'default/*,internet', '--to', 'default/db');
      expect(run.status, run.stderr).to.equal(0);
      const results = (JSON.parse(run.stdout) as { results: Result[] }).results;
      expect([...new Set(results.map((r) => r.from))]).to.deep.equal(['default/frontend', 'default/backend', 'internet']);
      expect(results.every((r) => r.to === 'default/db')).to.equal(true);
    });

    it('give an empty result list, still one JSON object, when nothing is left', () => {
      const run = cli(docsExample, '--json', '--from', 'default/db', '--to', 'default/db');
      expect(JSON.parse(run.stdout)).to.deep.equal({ results: [] });
    });

    it('exit 2 naming an unknown endpoint or namespace', () => {
      const pod = cli(docsExample, '--from', 'default/nope');
      expect([pod.status, pod.stderr]).to.deep.equal([2, 'netpol-conformance expect: --from default/nope: no such endpoint; give "ns/pod", "ns/*", "*" or an external host\'s name\n']);
      const namespace = cli(docsExample, '--to', 'ghost/*');
      expect([namespace.status, namespace.stderr]).to.deep.equal([2, 'netpol-conformance expect: --to ghost/*: namespace "ghost" has no pods in the scenario\n']);
    });
  });

  it('summarises the tables of a large scenario as counts and a namespace table', () => {
    const namespaces = ['a', 'b'];
    const pods = namespaces.flatMap((ns) => Array.from({ length: 40 }, (_, i) => `  - {namespace: ${ns}, name: p${i}, labels: {role: r${i % 2}}, ports: [{port: 80}]}`));
    const file = scenarioFile(
      'large.yaml',
      [
        'namespaces: [{name: a}, {name: b}]',
        'pods:',
        ...pods,
        'policies:',
        '  - {apiVersion: networking.k8s.io/v1, kind: NetworkPolicy, metadata: {name: only-a, namespace: b}, spec: {podSelector: {matchLabels: {role: r0}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]}}',
      ].join('\n'),
    );
    const run = cli(file);
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include('80 sources x 80 targets is too many to print pod by pod');
    // b's r0 pods (20) accept only from a (40 pods): 20 x 39 from b are blocked.
    expect(run.stdout).to.include('TCP/80: 6,320 pairs, 5,540 allowed, 780 blocked\n-  a  b\na  .  .\nb  .  ~');
    expect(cli(file, '--from', 'a/p0,a/p1', '--to', 'b/*').stdout).to.include('TCP/80\n-     b/p0');
  });

  it('prints usage with --help', () => {
    const run = cli('--help');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(/^usage: netpol-conformance expect <scenario\.yaml> \[--json\]/);
  });
});
