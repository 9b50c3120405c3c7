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
    ['unknown-field.yaml', 'namespaces: []\npods: []\nservices: []\n', 'services: unknown field (allowed: schemaVersion, namespaces, pods, externals, policies)'],
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

  it('prints usage with --help', () => {
    const run = cli('--help');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.match(/^usage: netpol-conformance expect <scenario\.yaml> \[--json\]/);
  });
});
