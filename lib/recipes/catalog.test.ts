// The shipped catalog: it loads, covers recipes.md, probes what it should, and its expectations
// (from the oracle) say what recipes.md says; prose disagreements carry a note.
import { expect } from 'chai';
import { findRecipe, loadCatalog } from './catalog.ts';
import { planRecipe } from './plan.ts';
import type { PlannedProbe, Recipe, RecipePlan } from './types.ts';

const required = ['01', '02', '02a', '03', '04', '05', '06', '07', '08', '09', '10', '11a', '11b', '12', '14'];
const calico = ['calico-deny-all', 'calico-backend', 'calico-frontend'];
/** Calico's own policy model: tiers, order, Deny, Pass, Log, selectors, service accounts, nets, ICMP, staged. */
const calicoModel = [
  'calico-global-default-deny',
  'calico-security-tier',
  'calico-tier-pass',
  'calico-ordered-rules',
  'calico-namespace-selector',
  'calico-service-accounts',
  'calico-nets-egress',
  'calico-icmp-type',
  'calico-staged',
  'calico-deny-over-k8s-allow',
];

describe('recipe catalog', () => {
  const catalog: Recipe[] = loadCatalog();
  const plans = new Map<string, RecipePlan>(catalog.map((r) => [r.id, planRecipe(r, '')]));
  const plan = (id: string): RecipePlan => {
    const p = plans.get(id);
    if (!p) throw new Error(`no recipe ${id}`);
    return p;
  };
  const expected = (id: string, probe: string): PlannedProbe['expected'] => {
    const found = plan(id).probes.find((p) => p.id === probe);
    if (!found) throw new Error(`recipe ${id} has no probe "${probe}"`);
    return found.expected;
  };

  it('has every recipe of recipes.md and the three Calico walkthrough scenarios', () => {
    const ids = catalog.map((r) => r.id);
    expect(ids).to.include.members([...required, ...calico, ...calicoModel]);
    expect(ids.filter((id) => id.startsWith('09'))).to.have.length.greaterThan(1, 'named-port variant of 09');
  });

  it('gives every recipe a title, a source and at least one policy', () => {
    for (const r of catalog) {
      expect(r.title, r.id).to.not.equal('');
      expect(r.source, r.id).to.match(/^https:\/\/|^Calico NetworkPolicy walkthrough/);
      expect(r.policies, r.id).to.have.length.greaterThan(0);
    }
  });

  it('probes every recipe after each of its steps (before and after its policies, without steps of its own), over TCP and ICMP', () => {
    for (const [id, p] of plans) {
      const phases = new Set(p.probes.map((probe) => probe.phase));
      const protocols = new Set(p.probes.map((probe) => probe.protocol));
      expect([...phases], id).to.have.members(p.steps.map((s) => s.name));
      if (!catalog.find((r) => r.id === id)!.stepped) expect([...phases], id).to.have.members(['before', 'after']);
      expect([...protocols], id).to.include.members(['tcp', 'icmp']);
    }
  });

  it('probes HTTP wherever a probed server speaks HTTP', () => {
    for (const r of catalog) {
      const probes = plan(r.id).probes;
      for (const target of new Set(probes.map((p) => p.to))) {
        const serve = r.pods.find((p) => `${p.namespace}/${p.name}` === target)?.serve ?? r.externals.find((h) => h.name === target)?.serve ?? [];
        for (const port of serve.filter((s) => s.http)) {
          const tcp = probes.some((p) => p.to === target && p.protocol === 'tcp' && p.port === port.port);
          if (!tcp) continue; // that port is not probed at all
          const http = probes.some((p) => p.to === target && p.protocol === 'http' && p.port === port.port);
          expect(http, `${r.id}: ${target} serves HTTP on ${port.port} but no http probe`).to.equal(true);
        }
      }
    }
  });

  it('probes within a namespace and across namespaces or the cluster edge', () => {
    const place = (endpoint: string): string => (endpoint.includes('/') ? (endpoint.split('/')[0] ?? '') : `external:${endpoint}`);
    for (const [id, p] of plans) {
      const within = p.probes.some((probe) => place(probe.from) === place(probe.to));
      const across = p.probes.some((probe) => place(probe.from) !== place(probe.to));
      expect(across, `${id}: no probe crosses a namespace or the cluster edge`).to.equal(true);
      // x-ipblock-except only probes external hosts: its 0.0.0.0/0 would match pods by IP.
      if (id !== 'x-ipblock-except') expect(within, `${id}: no probe stays inside a namespace`).to.equal(true);
    }
  });

  it('expects every "before" probe to be allowed: nothing is isolated yet', () => {
    for (const [id, p] of plans) {
      for (const probe of p.probes.filter((x) => x.phase === 'before')) expect(probe.expected, `${id}: ${probe.id}`).to.equal('allowed');
    }
  });

  it('agrees with every checkable prose claim, or carries a note that explains why not', () => {
    let claims = 0;
    for (const [id, p] of plans) {
      for (const check of p.prose) {
        claims++;
        if (!check.agrees) {
          expect(check.note, `${id}: "${check.claim.text}" (prose ${check.claim.check.expect}, oracle ${check.oracle}) has no note`).to.be.a('string');
        } else {
          // A note tied to a claim documents a disagreement; if the oracle agrees, the note is stale.
          expect(check.note, `${id}: note on "${check.claim.text}" is stale: the oracle agrees`).to.equal(undefined);
        }
      }
    }
    expect(claims).to.be.greaterThan(40);
  });

  it('keeps at least one documented disagreement (recipe 14: port 53 to outside the cluster)', () => {
    const disagreements = plan('14').prose.filter((c) => !c.agrees);
    expect(disagreements.map((c) => c.probe)).to.deep.equal(['after default/foo -> outside udp/53']);
  });

  describe('spot checks against recipes.md', () => {
    it('01: unlabelled client -> web allowed before, blocked after', () => {
      expect(expected('01', 'before default/client -> default/web http/80')).to.equal('allowed');
      expect(expected('01', 'after default/client -> default/web http/80')).to.equal('blocked');
      expect(expected('01', 'after elsewhere/client -> default/web tcp/80')).to.equal('blocked');
    });

    it('02: unlabelled blocked, app=bookstore allowed, same labels in another namespace blocked', () => {
      expect(expected('02', 'after default/client -> default/apiserver http/80')).to.equal('blocked');
      expect(expected('02', 'after default/frontend -> default/apiserver http/80')).to.equal('allowed');
      expect(expected('02', 'after elsewhere/frontend -> default/apiserver http/80')).to.equal('blocked');
    });

    it('02a: union of policies, the allow-all wins over deny-all, including from outside the cluster', () => {
      expect(expected('02a', 'after default/client -> default/web http/80')).to.equal('allowed');
      expect(expected('02a', 'after outside -> default/web icmp')).to.equal('allowed');
    });

    it('03: ingress to default blocked from everywhere; egress from default untouched', () => {
      expect(expected('03', 'after default/client -> default/web tcp/80')).to.equal('blocked');
      expect(expected('03', 'after elsewhere/client -> default/web tcp/80')).to.equal('blocked');
      expect(expected('03', 'after default/client -> elsewhere/web tcp/80')).to.equal('allowed');
    });

    it('04: other namespace blocked, same namespace allowed', () => {
      expect(expected('04', 'after default/client -> secondary/web http/80')).to.equal('blocked');
      expect(expected('04', 'after secondary/client -> secondary/web http/80')).to.equal('allowed');
    });

    it('05: every namespace allowed, an external host not', () => {
      expect(expected('05', 'after default/client -> secondary/web http/80')).to.equal('allowed');
      expect(expected('05', 'after outside -> secondary/web http/80')).to.equal('blocked');
    });

    it('06: dev -> blocked, prod -> allowed', () => {
      expect(expected('06', 'after dev/client -> default/web http/80')).to.equal('blocked');
      expect(expected('06', 'after prod/client -> default/web http/80')).to.equal('allowed');
    });

    it('07: namespaceSelector AND podSelector in one peer', () => {
      const after = plan('07').probes.filter((p) => p.phase === 'after' && p.protocol === 'tcp');
      const allowed = after.filter((p) => p.expected === 'allowed').map((p) => p.from);
      expect(allowed).to.deep.equal(['other/monitoring']);
      expect(after.map((p) => p.from)).to.include.members(['default/monitoring', 'other/client']);
    });

    it('08: external -> web allowed; with the port-80 variant ICMP is blocked', () => {
      expect(expected('08', 'after outside -> default/web http/80')).to.equal('allowed');
      expect(expected('08-port80', 'after outside -> default/web http/80')).to.equal('allowed');
      expect(expected('08-port80', 'after outside -> default/web icmp')).to.equal('blocked');
    });

    it('09 and its named-port variant: monitoring reaches 5000 only', () => {
      for (const id of ['09', '09-named-port']) {
        expect(expected(id, 'after default/monitoring -> default/apiserver tcp/5000'), id).to.equal('allowed');
        expect(expected(id, 'after default/monitoring -> default/apiserver tcp/8000'), id).to.equal('blocked');
        expect(expected(id, 'after default/client -> default/apiserver tcp/5000'), id).to.equal('blocked');
        expect(expected(id, 'after elsewhere/monitoring -> default/apiserver tcp/5000'), id).to.equal('blocked');
      }
    });

    it('10: the three selectors are ORed', () => {
      for (const from of ['default/search', 'default/api', 'default/catalog']) {
        expect(expected('10', `after ${from} -> default/db tcp/6379`), from).to.equal('allowed');
      }
      expect(expected('10', 'after default/other -> default/db tcp/6379')).to.equal('blocked');
    });

    it('11a/11b/11-dns-scoped: DNS blocked, then allowed (to any host on 53, then only to kube-dns)', () => {
      expect(expected('11a', 'after default/foo -> kube-system/kube-dns udp/53')).to.equal('blocked');
      expect(expected('11b', 'after default/foo -> kube-system/kube-dns udp/53')).to.equal('allowed');
      expect(expected('11b', 'after default/foo -> kube-system/kube-dns tcp/53')).to.equal('allowed');
      expect(expected('11b', 'after default/foo -> default/web http/80')).to.equal('blocked');
      expect(expected('11b', 'after default/foo -> outside http/80')).to.equal('blocked');
      expect(expected('11b', 'after default/foo -> outside udp/53')).to.equal('allowed');
      expect(expected('11-dns-scoped', 'after default/foo -> outside udp/53')).to.equal('blocked');
      expect(expected('11-dns-scoped', 'after default/foo -> kube-system/kube-dns udp/53')).to.equal('allowed');
      expect(expected('11a', 'after default/client -> default/web http/80')).to.equal('allowed');
    });

    it('12: all egress from default blocked, DNS too; ingress into default untouched', () => {
      expect(expected('12', 'after default/client -> default/web http/80')).to.equal('blocked');
      expect(expected('12', 'after default/client -> kube-system/kube-dns udp/53')).to.equal('blocked');
      expect(expected('12', 'after elsewhere/client -> default/web http/80')).to.equal('allowed');
    });

    it('14: foo -> web allowed, foo -> outside:80 blocked', () => {
      expect(expected('14', 'after default/foo -> default/web http/80')).to.equal('allowed');
      expect(expected('14', 'after default/foo -> outside http/80')).to.equal('blocked');
    });

    it('Calico walkthrough: deny-all, backend 6379 from frontend, frontend 443 from user=bob', () => {
      for (const probe of ['tcp/80', 'icmp']) {
        expect(expected('calico-deny-all', `before default/client -> default/app-web ${probe}`)).to.equal('allowed');
        expect(expected('calico-deny-all', `after default/client -> default/app-web ${probe}`)).to.equal('blocked');
      }
      expect(expected('calico-backend', 'after myns/frontend -> myns/backend tcp/6379')).to.equal('allowed');
      expect(expected('calico-backend', 'after myns/frontend -> myns/backend icmp')).to.equal('blocked');
      expect(expected('calico-backend', 'after myns/client -> myns/backend tcp/6379')).to.equal('blocked');
      expect(expected('calico-frontend', 'after bob/client -> myns/frontend tcp/443')).to.equal('allowed');
      expect(expected('calico-frontend', 'after alice/client -> myns/frontend tcp/443')).to.equal('blocked');
    });
  });

  describe("spot checks of Calico's own policy model", () => {
    const reason = (id: string, probe: string): string => plan(id).probes.find((p) => p.id === probe)?.reason ?? '';

    it('every Calico model recipe applies Calico resources', () => {
      for (const id of calicoModel) {
        expect(plan(id).policies.some((p) => p.apiVersion === 'projectcalico.org/v3'), id).to.equal(true);
      }
    });

    it('the security tier denies before the default tier allows; Pass hands the rest to it', () => {
      expect(expected('calico-security-tier', 'after untrusted/client -> default/web http/80')).to.equal('blocked');
      expect(reason('calico-security-tier', 'after untrusted/client -> default/web http/80')).to.match(/denied by GlobalNetworkPolicy security\.deny-untrusted rule 0 \(tier security\)/);
      expect(reason('calico-security-tier', 'after trusted/client -> default/web http/80')).to.match(/allowed by default\/web-allow-all rule 0 \(tier default\)/);
    });

    it('Pass reaches the default tier, or the namespace profile when no later tier selects the pod', () => {
      expect(expected('calico-tier-pass', 'after default/client -> default/api tcp/8080')).to.equal('blocked');
      expect(reason('calico-tier-pass', 'after default/client -> default/frontend http/80')).to.match(/passed on by GlobalNetworkPolicy platform\.monitoring-then-pass rule 1 \(tier platform\); no later tier selects default\/frontend/);
    });

    it('a Calico Deny at order 100 beats a Kubernetes allow (order 1000); one at 2000 does not', () => {
      expect(expected('calico-deny-over-k8s-allow', 'after default/blocked -> default/web http/80')).to.equal('blocked');
      expect(expected('calico-deny-over-k8s-allow', 'after default/late -> default/web http/80')).to.equal('allowed');
    });

    it('staged policies change nothing; ICMP by type; nets and notNets', () => {
      expect(expected('calico-staged', 'after default/client -> default/web http/80')).to.equal('allowed');
      expect(expected('calico-icmp-type', 'after net/ops -> net/web icmp')).to.equal('allowed');
      expect(expected('calico-icmp-type', 'after net/dev -> net/web icmp')).to.equal('blocked');
      expect(reason('calico-nets-egress', 'after app/red -> internet http/80')).to.match(/denied by Calico NetworkPolicy app\/allow-egress-external rule 2/);
      expect(reason('calico-nets-egress', 'after app/red -> partner icmp')).to.match(/blocked at the end of tier default/);
    });
  });

  it('findRecipe names the valid ids when asked for an unknown one', () => {
    expect(findRecipe(catalog, '06').id).to.equal('06');
    expect(() => findRecipe(catalog, '13')).to.throw(/no recipe "13".*01, 02, 02a/);
  });
});
