// Cases follow the NetworkPolicy API reference and the expectations of Kubernetes' netpol e2e
// (test/e2e/network/netpol/network_policy.go); test names quote the e2e test they mirror.
import { expect } from 'chai';
import { InputError } from '../errors.ts';
import type { Model, NetworkPolicy, NetworkPolicySpec } from '../model/types.ts';
import { evaluate } from './evaluate.ts';
import { netpolE2eModel, networkPolicy } from './netpol-e2e-model.ts';
import { endpointOf, modelEndpointNames } from './truth-table.ts';
import type { FlowProtocol } from './types.ts';

const OUTSIDE = { name: 'outside', ip: '203.0.113.10' };
const model = netpolE2eModel([OUTSIDE]);
const x = ['x/a', 'x/b', 'x/c'];
const y = ['y/a', 'y/b', 'y/c'];
const z = ['z/a', 'z/b', 'z/c'];
const pods = [...x, ...y, ...z];
const everyone = [...pods, 'outside'];

type Traffic = { protocol: FlowProtocol; port?: number };
const TCP80: Traffic = { protocol: 'TCP', port: 80 };

/** Every blocked "from -> to" pair (loopback excluded), sorted, for whole-matrix assertions. */
function blocked(policies: NetworkPolicy[], traffic: Traffic = TCP80, m: Model = model): string[] {
  const names = modelEndpointNames(m);
  const result: string[] = [];
  for (const from of names) {
    for (const to of names) {
      if (from === to) continue;
      if (!evaluate(m, policies, { from: endpointOf(from), to: endpointOf(to), ...traffic }).allowed) {
        result.push(`${from} -> ${to}`);
      }
    }
  }
  return result.sort();
}

function pairs(froms: string[], tos: string[]): string[] {
  return froms.flatMap((f) => tos.filter((t) => t !== f).map((t) => `${f} -> ${t}`)).sort();
}

function minus(all: string[], allowed: string[]): string[] {
  return all.filter((p) => !allowed.includes(p));
}

function allows(policies: NetworkPolicy[], from: string, to: string, traffic: Traffic = TCP80, m: Model = model): boolean {
  return evaluate(m, policies, { from: endpointOf(from), to: endpointOf(to), ...traffic }).allowed;
}

const inX = (name: string, spec: NetworkPolicySpec) => networkPolicy('x', name, spec);
const podA = { matchLabels: { pod: 'a' } };

describe('evaluate: isolation and policyTypes', () => {
  it('allows everything when no policy exists (pods are non-isolated by default)', () => {
    expect(blocked([])).to.deep.equal([]);
  });

  it("should support a 'default-deny-ingress' policy", () => {
    const denyIngress = inX('deny-ingress', { podSelector: {} });
    expect(blocked([denyIngress])).to.deep.equal(pairs(everyone, x));
  });

  it("should support a 'default-deny-all' policy", () => {
    const denyAll = inX('deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(blocked([denyAll])).to.deep.equal([...new Set([...pairs(everyone, x), ...pairs(x, everyone)])].sort());
  });

  it('defaults policyTypes to Ingress plus Egress when spec.egress has rules', () => {
    const toY = inX('to-y', { podSelector: podA, egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } } }] }] });
    // x/a: ingress isolated with no rules, egress only to y.
    expect(blocked([toY])).to.deep.equal(
      [...new Set([...pairs(everyone, ['x/a']), ...pairs(['x/a'], minus(everyone, y))])].sort(),
    );
  });

  it('does not add Egress for an empty egress list (egress: [])', () => {
    const policy = inX('ingress-only', { podSelector: {}, egress: [] });
    expect(blocked([policy])).to.deep.equal(pairs(everyone, x));
  });

  it('ignores ingress rules when policyTypes is [Egress] (ingress stays non-isolated)', () => {
    const policy = inX('egress-only', {
      podSelector: {},
      policyTypes: ['Egress'],
      ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }],
    });
    expect(blocked([policy])).to.deep.equal(pairs(x, everyone));
  });

  it('ignores egress rules when policyTypes is [Ingress]', () => {
    const policy = inX('ingress-only', { podSelector: {}, policyTypes: ['Ingress'], egress: [{ to: [{ ipBlock: { cidr: '10.9.0.0/16' } }] }] });
    expect(blocked([policy])).to.deep.equal(pairs(everyone, x));
  });

  it('selects pods of the policy namespace only, whatever their labels', () => {
    const inY = networkPolicy('y', 'deny-a', { podSelector: podA });
    expect(blocked([inY])).to.deep.equal(pairs(everyone, ['y/a']));
  });

  it('should enforce multiple ingress policies with ingress allow-all policy taking precedence (union of rules)', () => {
    const only80 = inX('allow-ingress-port-80', { podSelector: {}, ingress: [{ ports: [{ port: 80 }] }] });
    const allowAll = inX('allow-ingress', { podSelector: {}, ingress: [{}] });
    const port81: Traffic = { protocol: 'TCP', port: 81 };
    expect(blocked([only80], port81)).to.deep.equal(pairs(everyone, x));
    expect(blocked([only80, allowAll], port81)).to.deep.equal([]);
  });

  it('should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)', () => {
    const denyEgress = inX('deny-egress-a', { podSelector: podA, policyTypes: ['Egress'] });
    const allowIngress = networkPolicy('y', 'allow-from-x-a', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'x' } }, podSelector: podA }] }],
    });
    const verdict = evaluate(model, [denyEgress, allowIngress], { from: { pod: 'x/a' }, to: { pod: 'y/a' }, ...TCP80 });
    expect(verdict.allowed).to.equal(false);
    expect(verdict.ingress.allowedBy).to.deep.equal({ policy: 'y/allow-from-x-a', direction: 'ingress', rule: 0, tier: 'default' });
    expect(verdict.egress).to.deep.equal({ isolated: true, selectedBy: ['x/deny-egress-a'], decision: { kind: 'end-of-tier', tier: 'default' } });
    expect(verdict.reason).to.equal(
      'egress from x/a blocked: no egress rule of x/deny-egress-a allows TCP/80 to y/a; ingress to y/a allowed by y/allow-from-x-a rule 0',
    );
  });

  it('never isolates external hosts', () => {
    const denyAll = inX('deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const verdict = evaluate(model, [denyAll], { from: { external: 'outside' }, to: { pod: 'y/a' }, ...TCP80 });
    expect(verdict.allowed).to.equal(true);
    expect(verdict.egress).to.deep.equal({ isolated: false, selectedBy: [], decision: { kind: 'not-isolated' } });
    expect(verdict.reason).to.equal('ingress to y/a not isolated; egress from outside not isolated (outside is outside the cluster)');
  });

  it('treats a pod talking to itself as loopback, allowed whatever the policies say', () => {
    const denyAll = inX('deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const verdict = evaluate(model, [denyAll], { from: { pod: 'x/a' }, to: { pod: 'x/a' }, ...TCP80 });
    expect(verdict.allowed).to.equal(true);
    expect(verdict.ingress.isolated).to.equal(true);
    expect(verdict.reason).to.match(/loopback/);
  });

  it("reports every isolating policy and the first rule that allows, in felix's order (order 1000, then name)", () => {
    const deny = inX('deny', { podSelector: {} });
    const allowB = inX('allow-b', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }] }, { from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] });
    const verdict = evaluate(model, [deny, allowB], { from: { pod: 'x/b' }, to: { pod: 'x/a' }, ...TCP80 });
    const rule = { policy: 'x/allow-b', direction: 'ingress', rule: 1, tier: 'default' };
    expect(verdict.ingress).to.deep.equal({
      isolated: true,
      selectedBy: ['x/allow-b', 'x/deny'],
      allowedBy: rule,
      decision: { kind: 'rule', action: 'Allow', rule },
    });
    expect(verdict.reason).to.equal('ingress to x/a allowed by x/allow-b rule 1; egress from x/b not isolated');
  });

  it('rejects flows naming endpoints outside the model', () => {
    expect(() => evaluate(model, [], { from: { pod: 'q/a' }, to: { pod: 'x/a' }, ...TCP80 })).to.throw(InputError, /q\/a/);
    expect(() => evaluate(model, [], { from: { pod: 'x/a' }, to: { external: 'nowhere' }, ...TCP80 })).to.throw(InputError, /nowhere/);
  });
});

describe('evaluate: peers', () => {
  it('should enforce policy to allow traffic from pods within server namespace based on PodSelector', () => {
    const policy = inX('x-a-allows-x-b', { podSelector: podA, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] });
    // y/b carries pod=b too, but a lone podSelector means the policy's own namespace.
    expect(blocked([policy])).to.deep.equal(minus(pairs(everyone, ['x/a']), ['x/b -> x/a']));
  });

  it('should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector', () => {
    const policy = inX('allow-y', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }],
    });
    expect(blocked([policy])).to.deep.equal(pairs([...x, ...z, 'outside'], ['x/a']));
  });

  it('should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector', () => {
    const policy = inX('allow-y-a', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } }, podSelector: podA }] }],
    });
    expect(blocked([policy])).to.deep.equal(minus(pairs(everyone, ['x/a']), ['y/a -> x/a']));
  });

  it('should enforce policy based on PodSelector or NamespaceSelector (two peers are ORed)', () => {
    const policy = inX('allow-not-x-or-b', {
      podSelector: podA,
      ingress: [
        {
          from: [
            { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] } },
            { podSelector: { matchLabels: { pod: 'b' } } },
          ],
        },
      ],
    });
    expect(blocked([policy])).to.deep.equal(['outside -> x/a', 'x/c -> x/a']);
  });

  it('should enforce policy based on Multiple PodSelectors and NamespaceSelectors (matchExpressions on both)', () => {
    const policy = inX('allow-ns-y-z-pod-b-c', {
      podSelector: podA,
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['x'] }] },
              podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] },
            },
          ],
        },
      ],
    });
    expect(blocked([policy])).to.deep.equal(pairs(['x/b', 'x/c', 'y/a', 'z/a', 'outside'], ['x/a']));
  });

  it('should deny ingress from pods on other namespaces (podSelector {} peer = own namespace)', () => {
    const policy = inX('deny-other-ns', { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] });
    expect(blocked([policy])).to.deep.equal(pairs([...y, ...z, 'outside'], x));
  });

  it('should enforce policy to allow ingress traffic for a target (empty podSelector AND namespaceSelector = every pod, no external)', () => {
    const deny = inX('deny-all', { podSelector: {} });
    const allowToA = inX('allow-all-to-a', { podSelector: podA, ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] });
    expect(blocked([deny, allowToA])).to.deep.equal([...pairs(everyone, ['x/b', 'x/c']), 'outside -> x/a'].sort());
  });

  it('should support allow-all policy (a rule with no from admits every peer, in or out of the cluster)', () => {
    const noFrom = inX('allow-all', { podSelector: {}, ingress: [{}] });
    const emptyFrom = inX('allow-all-empty', { podSelector: {}, ingress: [{ from: [] }] });
    expect(blocked([noFrom])).to.deep.equal([]);
    expect(blocked([emptyFrom])).to.deep.equal([]);
  });

  it('matches namespaceSelector on kubernetes.io/metadata.name even when the model omits that label', () => {
    const m: Model = { ...model, namespaces: model.namespaces.map((ns) => ({ name: ns.name, labels: {} })) };
    const policy = inX('allow-y', {
      podSelector: podA,
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'y' } } }] }],
    });
    expect(allows([policy], 'y/b', 'x/a', TCP80, m)).to.equal(true);
    expect(allows([policy], 'z/b', 'x/a', TCP80, m)).to.equal(false);
  });

  it('should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector', () => {
    const policy = inX('allow-to-ns-y-pod-a', {
      podSelector: podA,
      egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: podA }] }],
      policyTypes: ['Egress'],
    });
    expect(blocked([policy])).to.deep.equal(minus(pairs(['x/a'], everyone), ['x/a -> y/a']));
  });
});

describe('evaluate: ipBlock', () => {
  it('should allow egress access to server in CIDR block (pods match by pod IP)', () => {
    const policy = inX('allow-client-a-via-cidr-egress-rule', { podSelector: podA, egress: [{ to: [{ ipBlock: { cidr: '10.0.1.2/32' } }] }] });
    // y/b is 10.0.1.2; x/a's ingress is isolated too (default policyTypes include Ingress).
    expect(blocked([policy])).to.deep.equal(
      [...new Set([...minus(pairs(['x/a'], everyone), ['x/a -> y/b']), ...pairs(everyone, ['x/a'])])].sort(),
    );
  });

  it('should enforce except clause while egress access to server in CIDR block', () => {
    const policy = inX('allow-client-a-via-cidr-egress-rule', {
      podSelector: podA,
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.2/32'] } }] }],
    });
    expect(blocked([policy])).to.deep.equal(['x/a -> outside', 'x/a -> x/b']);
  });

  it('should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed (by another rule)', () => {
    const withExcept = inX('cidr-except', {
      podSelector: podA,
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.0.0.2/32'] } }] }],
    });
    const exact = inX('cidr-exact', { podSelector: podA, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.2/32' } }] }] });
    expect(allows([withExcept, exact], 'x/a', 'x/b')).to.equal(true);
  });

  it('admits external hosts only by ipBlock', () => {
    const fromOutside = inX('from-outside', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.0/24' } }] }] });
    expect(blocked([fromOutside])).to.deep.equal(pairs(pods, ['x/a']));
    const toWorld = inX('to-world', {
      podSelector: podA,
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] }],
    });
    expect(blocked([toWorld])).to.deep.equal(pairs(['x/a'], pods));
  });

  it('matches IPv6 CIDRs and excepts', () => {
    const m: Model = {
      ...model,
      pods: model.pods.map((p, i) => ({ ...p, ip: `2001:db8::${(i + 1).toString(16)}` })),
      externals: [{ name: 'outside', ip: '2001:db8:1::10' }],
    };
    const policy = inX('v6', {
      podSelector: podA,
      ingress: [{ from: [{ ipBlock: { cidr: '2001:db8::/48', except: ['2001:db8::2/128'] } }] }],
    });
    expect(allows([policy], 'y/a', 'x/a', TCP80, m)).to.equal(true);
    expect(allows([policy], 'x/b', 'x/a', TCP80, m), 'excepted').to.equal(false);
    expect(allows([policy], 'outside', 'x/a', TCP80, m), 'outside the /48').to.equal(false);
    const v4 = inX('v4', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
    expect(allows([v4], 'y/a', 'x/a', TCP80, m), 'families never mix').to.equal(false);
  });

  it('matches a dual-stack endpoint by its address of the flow\'s family', () => {
    const m: Model = {
      ...model,
      pods: model.pods.map((p, i) => ({ ...p, ips: [p.ip!, `fd00::${(i + 1).toString(16)}`] })),
      externals: [{ name: 'outside', ip: '203.0.113.10', ips: ['203.0.113.10', 'fd00:1::10'] }],
    };
    const v6Only = inX('v6-only', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '::/0', except: ['fd00::2/128'] } }] }] });
    const over = (family: 'IPv4' | 'IPv6', from: string): boolean =>
      evaluate(m, [v6Only], { from: endpointOf(from), to: endpointOf('x/a'), ...TCP80, family }).allowed;
    expect(over('IPv6', 'y/a')).to.equal(true);
    expect(over('IPv6', 'outside')).to.equal(true);
    expect(over('IPv6', 'x/b'), 'excepted').to.equal(false);
    // An IPv6 ipBlock says nothing about IPv4: over IPv4 the pod is isolated and nothing admits.
    expect(over('IPv4', 'y/a')).to.equal(false);
    expect(over('IPv4', 'outside')).to.equal(false);
    const v4Only = inX('v4-only', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '203.0.113.10/32' } }] }] });
    const verdict = evaluate(m, [v4Only], { from: endpointOf('outside'), to: endpointOf('x/a'), ...TCP80, family: 'IPv6' });
    expect(verdict.allowed).to.equal(false);
    expect(verdict.reason).to.match(/TCP\/80 over IPv6 from outside/);
    expect(evaluate(m, [v4Only], { from: endpointOf('outside'), to: endpointOf('x/a'), ...TCP80, family: 'IPv4' }).allowed).to.equal(true);
    // Without a family, the primary address (`ip`) decides, as before dual-stack.
    expect(allows([v4Only], 'outside', 'x/a', TCP80, m)).to.equal(true);
  });

  it('never matches an endpoint whose IP is unknown', () => {
    const m: Model = { ...model, pods: model.pods.map((p) => ({ ...p, ip: undefined })) };
    const policy = inX('any-ip', { podSelector: podA, ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] });
    expect(allows([policy], 'y/a', 'x/a', TCP80, m)).to.equal(false);
    expect(allows([policy], 'outside', 'x/a', TCP80, m)).to.equal(true);
  });
});

describe('evaluate: ports and protocols', () => {
  const fromY = { namespaceSelector: { matchLabels: { ns: 'y' } } };

  it('should enforce policy based on Ports', () => {
    const policy = inX('allow-81-from-y', { podSelector: podA, ingress: [{ from: [fromY], ports: [{ port: 81, protocol: 'TCP' }] }] });
    expect(blocked([policy], { protocol: 'TCP', port: 81 })).to.deep.equal(pairs([...x, ...z, 'outside'], ['x/a']));
    expect(blocked([policy], TCP80)).to.deep.equal(pairs(everyone, ['x/a']));
  });

  it('defaults a port entry to TCP', () => {
    const policy = inX('allow-80', { podSelector: podA, ingress: [{ ports: [{ port: 80 }] }] });
    expect(allows([policy], 'y/a', 'x/a', TCP80)).to.equal(true);
    expect(allows([policy], 'y/a', 'x/a', { protocol: 'UDP', port: 80 })).to.equal(false);
  });

  it('should enforce ingress policy allowing any port traffic to a server on a specific protocol', () => {
    const policy = inX('allow-ingress-by-proto', { podSelector: podA, ingress: [{ ports: [{ protocol: 'TCP' }] }] });
    expect(allows([policy], 'y/a', 'x/a', TCP80)).to.equal(true);
    expect(allows([policy], 'y/a', 'x/a', { protocol: 'TCP', port: 81 })).to.equal(true);
    expect(allows([policy], 'y/a', 'x/a', { protocol: 'UDP', port: 80 })).to.equal(false);
  });

  it('should not allow access by TCP when a policy specifies only SCTP (and allows SCTP)', () => {
    const policy = inX('allow-sctp-80', { podSelector: podA, ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] });
    expect(allows([policy], 'y/a', 'x/a', { protocol: 'SCTP', port: 80 })).to.equal(true);
    expect(allows([policy], 'y/a', 'x/a', TCP80)).to.equal(false);
  });

  it('matches an endPort range inclusively at both ends', () => {
    const policy = inX('range', { podSelector: podA, ingress: [{ ports: [{ port: 80, endPort: 82, protocol: 'UDP' }] }] });
    const udp = (port: number) => allows([policy], 'y/a', 'x/a', { protocol: 'UDP', port });
    expect([79, 80, 81, 82, 83].map(udp)).to.deep.equal([false, true, true, true, false]);
    expect(allows([policy], 'y/a', 'x/a', { protocol: 'TCP', port: 81 })).to.equal(false);
  });

  it('should allow ingress access on one named port', () => {
    const policy = inX('allow-serve-81-tcp', { podSelector: {}, ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] });
    expect(blocked([policy], { protocol: 'TCP', port: 81 })).to.deep.equal([]);
    expect(blocked([policy], TCP80)).to.deep.equal(pairs(everyone, x));
  });

  it('resolves a named port only against container ports of the same protocol', () => {
    const udpName = inX('udp-name', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-80-udp', protocol: 'UDP' }] }] });
    const mismatch = inX('mismatch', { podSelector: podA, ingress: [{ ports: [{ port: 'serve-80-tcp', protocol: 'UDP' }] }] });
    expect(allows([udpName], 'y/a', 'x/a', { protocol: 'UDP', port: 80 })).to.equal(true);
    expect(allows([mismatch], 'y/a', 'x/a', { protocol: 'UDP', port: 80 })).to.equal(false);
  });

  it('should allow egress access on one named port', () => {
    const policy = inX('allow-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'serve-80-tcp' }] }] });
    // The external host declares no ports, so the named port cannot admit x -> outside.
    expect(blocked([policy], TCP80)).to.deep.equal(pairs(x, ['outside']));
    expect(blocked([policy], { protocol: 'TCP', port: 81 })).to.deep.equal(pairs(x, everyone));
  });

  it('resolves an egress named port against the destination pod, not the source', () => {
    const m: Model = {
      namespaces: [{ name: 'x', labels: {} }],
      pods: [
        { namespace: 'x', name: 'client', labels: { app: 'client' }, ports: [{ name: 'http', port: 7000, protocol: 'TCP' }] },
        { namespace: 'x', name: 'web1', labels: {}, ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
        { namespace: 'x', name: 'web2', labels: {}, ports: [{ name: 'http', port: 9090, protocol: 'TCP' }] },
      ],
      externals: [],
    };
    const policy = inX('egress-http', { podSelector: { matchLabels: { app: 'client' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }] });
    const tcp = (port: number): Traffic => ({ protocol: 'TCP', port });
    expect(allows([policy], 'x/client', 'x/web1', tcp(8080), m)).to.equal(true);
    expect(allows([policy], 'x/client', 'x/web1', tcp(9090), m)).to.equal(false);
    expect(allows([policy], 'x/client', 'x/web2', tcp(9090), m)).to.equal(true);
    expect(allows([policy], 'x/client', 'x/web1', tcp(7000), m), "the source's own http port").to.equal(false);
  });

  it('never matches a named port towards an external host', () => {
    const policy = inX('named-to-world', {
      podSelector: podA,
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 'serve-80-tcp' }] }],
    });
    expect(allows([policy], 'x/a', 'y/a')).to.equal(true);
    expect(allows([policy], 'x/a', 'outside')).to.equal(false);
  });

  it('lets ICMP through an isolated side only by a rule without ports', () => {
    const icmp: Traffic = { protocol: 'ICMP' };
    const tcpOnly = inX('tcp-only', { podSelector: podA, ingress: [{ ports: [{ protocol: 'TCP' }] }] });
    const anyPort = inX('any-port', { podSelector: podA, ingress: [{ from: [{ namespaceSelector: {} }] }] });
    expect(allows([tcpOnly], 'y/a', 'x/a', icmp)).to.equal(false);
    expect(allows([anyPort], 'y/a', 'x/a', icmp)).to.equal(true);
    expect(allows([tcpOnly], 'y/a', 'x/b', icmp), 'x/b is not isolated').to.equal(true);
    const reason = evaluate(model, [tcpOnly], { from: { pod: 'y/a' }, to: { pod: 'x/a' }, ...icmp }).reason;
    expect(reason).to.equal('ingress to x/a blocked: no ingress rule of x/tcp-only allows ICMP from y/a; egress from y/a not isolated');
  });
});
