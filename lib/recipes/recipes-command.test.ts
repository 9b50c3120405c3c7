// `netpol-conformance recipes`, run as a user runs it (through the package bin).
import { expect } from 'chai';
import { runCliSync, type CliRun } from '../testing/cli.ts';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from './catalog.ts';


function cli(...args: string[]): CliRun {
  return runCliSync(['recipes', ...args]);
}

interface JsonProbe {
  id: string;
  phase: string;
  from: string;
  to: string;
  protocol: string;
  port?: number;
  expected: string;
  reason: string;
}
interface JsonRecipe {
  id: string;
  title: string;
  source: string;
  policies: string[];
  steps: { name: string; changes: string[]; policies: string[] }[];
  probes: JsonProbe[];
  prose: { agrees: boolean; note?: string }[];
}

describe('netpol-conformance recipes', function () {
  this.timeout(60_000);

  it('--json lists at least the 17 recipes, each with TCP and ICMP probes after every step and HTTP where served', () => {
    const { status, stdout, stderr } = cli('--json');
    expect(status, stderr).to.equal(0);
    const output = JSON.parse(stdout) as { schemaVersion: number; recipes: JsonRecipe[] };
    expect(output.schemaVersion).to.equal(2);
    const ids = output.recipes.map((r) => r.id);
    expect(ids).to.include.members(['01', '02', '02a', '03', '04', '05', '06', '07', '08', '09', '10', '11a', '11b', '12', '14', 'calico-deny-all', 'calico-backend', 'calico-frontend']);
    expect(ids.length).to.be.at.least(17);
    const catalog = loadCatalog();
    for (const r of output.recipes) {
      expect(r.title, r.id).to.be.a('string').and.not.equal('');
      expect(r.source, r.id).to.be.a('string').and.not.equal('');
      expect(r.policies, r.id).to.have.length.greaterThan(0);
      const protocols = new Set(r.probes.map((p) => p.protocol));
      expect([...protocols], r.id).to.include.members(['tcp', 'icmp']);
      // Every step is probed: before and after in a recipe without steps of its own.
      expect(new Set(r.probes.map((p) => p.phase)), r.id).to.deep.equal(new Set(r.steps.map((s) => s.name)));
      for (const p of r.probes) {
        expect(['allowed', 'blocked'], `${r.id} ${p.id}`).to.include(p.expected);
        expect(p.reason, `${r.id} ${p.id}`).to.not.equal('');
      }
      const servesHttp = catalog.find((c) => c.id === r.id)?.pods.some((pod) => pod.serve.some((s) => s.http));
      if (servesHttp) expect([...protocols], `${r.id} has an HTTP server`).to.include('http');
      for (const claim of r.prose) if (!claim.agrees) expect(claim.note, r.id).to.be.a('string');
    }
  });

  it('--recipe shows one recipe as a table with before and after side by side', () => {
    const { status, stdout } = cli('--recipe', '06');
    expect(status).to.equal(0);
    expect(stdout).to.match(/^06 {2}ALLOW all traffic from a namespace/);
    expect(stdout).to.include('policies  default/web-allow-prod');
    expect(stdout).to.match(/dev\/client\s+default\/web\s+http\/80\s+allowed\s+blocked/);
    expect(stdout).to.match(/prod\/client\s+default\/web\s+http\/80\s+allowed\s+allowed/);
  });

  it('an unknown recipe id exits 2 and lists the valid ids', () => {
    const { status, stderr } = cli('--recipe', '13');
    expect(status).to.equal(2);
    expect(stderr).to.match(/no recipe "13"; the catalog has: 01, 02, 02a, 03/);
  });

  it('a malformed recipe file exits 2 naming the file and the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'recipes-cli-'));
    try {
      writeFileSync(join(dir, 'zz-broken.yaml'), 'id: zz\ntitle: broken\nsource: x\nnamespaces: []\npods: []\npolicies: []\nprobes:\n  - {from: a/b}\n');
      const { status, stderr } = cli('--catalog', dir);
      expect(status).to.equal(2);
      expect(stderr).to.match(/zz-broken\.yaml: probes\[0\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
