// The oracle's Calico semantics. Each case names where it comes from: an example of Calico's own
// documentation (github.com/tigera/docs, calico/...), or the felix / libcalico-go source of the
// rule it checks (projectcalico/calico v3.32.1). Policies are written as the documentation writes
// them and go through the harness's validator, which defaults them as Calico's client does.
import { expect } from 'chai';
import type { Model, PolicyResource } from '../../model/types.ts';
import { validatePolicyResource } from '../../scenario/policy-resource.ts';
import { Oracle } from '../evaluate.ts';
import { networkPolicy } from '../netpol-e2e-model.ts';
import { endpointOf } from '../truth-table.ts';
import type { FlowProtocol, Verdict } from '../types.ts';

const resource = (object: unknown): PolicyResource => validatePolicyResource(object, 'test');
const v3 = 'projectcalico.org/v3';

interface Pod {
  ns: string;
  name: string;
  labels?: Record<string, string>;
  sa?: string;
  ip: string;
  ports?: number[];
}

function model(namespaces: Record<string, Record<string, string>>, pods: Pod[], extra: Partial<Model> = {}): Model {
  return {
    namespaces: Object.entries(namespaces).map(([name, labels]) => ({ name, labels: { ...labels, 'kubernetes.io/metadata.name': name } })),
    pods: pods.map((p) => ({
      namespace: p.ns,
      name: p.name,
      labels: p.labels ?? {},
      ip: p.ip,
      ports: (p.ports ?? [80]).flatMap((port) => [
        { port, protocol: 'TCP' as const },
        { port, protocol: 'UDP' as const },
      ]),
      ...(p.sa ? { serviceAccount: p.sa } : {}),
    })),
    externals: extra.externals ?? [],
    ...(extra.serviceAccounts ? { serviceAccounts: extra.serviceAccounts } : {}),
  };
}

function verdict(m: Model, policies: PolicyResource[], from: string, to: string, protocol: FlowProtocol = 'TCP', port: number | undefined = 80, icmp?: { type: number; code: number }): Verdict {
  return new Oracle(m, policies).evaluate({ from: endpointOf(from), to: endpointOf(to), protocol, ...(protocol === 'ICMP' ? {} : { port }), ...(icmp ? { icmp } : {}) });
}

const allows = (...args: Parameters<typeof verdict>): boolean => verdict(...args).allowed;

describe('Calico tiers (docs: calico/network-policy/policy-tiers/tiered-policy.mdx)', () => {
  const m = model({ app: {} }, [
    { ns: 'app', name: 'stage', labels: { env: 'stage' }, ip: '10.1.0.1' },
    { ns: 'app', name: 'stage2', labels: { env: 'stage' }, ip: '10.1.0.2' },
    { ns: 'app', name: 'prod', labels: { env: 'prod' }, ip: '10.1.0.3' },
  ]);
  const devops = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'devops' }, spec: { order: 300 } });
  // "Pass action rule example", verbatim.
  const stageEnv = resource({
    apiVersion: v3,
    kind: 'GlobalNetworkPolicy',
    metadata: { name: 'devops.stage-env' },
    spec: {
      tier: 'devops',
      order: 255,
      selector: 'env == "stage"',
      ingress: [{ action: 'Deny', source: { selector: 'env != "stage"' } }, { action: 'Pass' }],
      egress: [{ action: 'Deny', destination: { selector: 'env != "stage"' } }, { action: 'Pass' }],
      types: ['Ingress', 'Egress'],
    },
  });

  it('"The policy denies ingress and egress traffic to workloads that match selector env == stage" from other envs', () => {
    const v = verdict(m, [devops, stageEnv], 'app/prod', 'app/stage');
    expect(v.allowed).to.equal(false);
    expect(v.ingress.decision).to.deep.equal({ kind: 'rule', action: 'Deny', rule: { policy: 'gnp:devops.stage-env', direction: 'ingress', rule: 0, tier: 'devops' } });
    expect(v.reason).to.equal(
      'ingress to app/stage denied by GlobalNetworkPolicy devops.stage-env rule 0 (tier devops); egress from app/prod not isolated',
    );
    expect(allows(m, [devops, stageEnv], 'app/stage', 'app/prod')).to.equal(false);
  });

  it('"the Pass action in a policy ensures that traffic evaluation continues": with no later tier, the profile allows', () => {
    const v = verdict(m, [devops, stageEnv], 'app/stage2', 'app/stage');
    expect(v.allowed).to.equal(true);
    expect(v.ingress.decision).to.deep.equal({ kind: 'passed', tier: 'devops', rule: { policy: 'gnp:devops.stage-env', direction: 'ingress', rule: 1, tier: 'devops' } });
    expect(v.reason).to.match(/^ingress to app\/stage passed on by GlobalNetworkPolicy devops.stage-env rule 1 \(tier devops\); no later tier selects app\/stage, so its namespace profile allows it/);
  });

  it('passed traffic is decided by the next tier that selects the endpoint (the default tier\'s Kubernetes policy)', () => {
    const onlyFromProd = networkPolicy('app', 'only-from-prod', { podSelector: { matchLabels: { env: 'stage' } }, ingress: [{ from: [{ podSelector: { matchLabels: { env: 'prod' } } }] }] });
    // stage2 -> stage passes devops; the default tier isolates stage and allows only prod.
    const v = verdict(m, [devops, stageEnv, onlyFromProd], 'app/stage2', 'app/stage');
    expect(v.allowed).to.equal(false);
    expect(v.ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
    expect(v.ingress.selectedBy).to.deep.equal(['gnp:devops.stage-env', 'app/only-from-prod']);
    // prod -> stage: devops denies first, whatever the default tier would allow.
    expect(allows(m, [devops, stageEnv, onlyFromProd], 'app/prod', 'app/stage')).to.equal(false);
  });

  it('"If the tier applies to the endpoint but no action is taken on the packet, the packet is dropped" (implicit default deny)', () => {
    const onlyDeny = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'devops.deny-prod' },
      spec: { tier: 'devops', selector: 'env == "stage"', ingress: [{ action: 'Deny', source: { selector: 'env == "prod"' } }] },
    });
    const v = verdict(m, [devops, onlyDeny], 'app/stage2', 'app/stage');
    expect(v.allowed).to.equal(false);
    expect(v.ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'devops' });
    expect(v.reason).to.match(/^ingress to app\/stage blocked at the end of tier devops \(its default action is Deny\): no ingress rule of GlobalNetworkPolicy devops.deny-prod allows, denies or passes TCP\/80 from app\/stage2/);
  });

  it('"Pass default action tier example": a tier with defaultAction Pass lets undecided traffic go on', () => {
    const passTier = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'devops' }, spec: { order: 300, defaultAction: 'Pass' } });
    const onlyDeny = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'devops.deny-prod' },
      spec: { tier: 'devops', selector: 'env == "stage"', ingress: [{ action: 'Deny', source: { selector: 'env == "prod"' } }] },
    });
    expect(verdict(m, [passTier, onlyDeny], 'app/stage2', 'app/stage').ingress.decision).to.deep.equal({ kind: 'passed', tier: 'devops' });
    expect(allows(m, [passTier, onlyDeny], 'app/prod', 'app/stage')).to.equal(false);
  });

  it('"if no policies within a tier apply to endpoints, the tier is skipped, and the tier\'s implicit deny behavior is not executed"', () => {
    // The documentation's picture: security passes (policy D), platform selects nothing here, application decides (policy J).
    const tiers = [
      resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } }),
      resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 200 } }),
      resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'application' }, spec: { order: 300 } }),
    ];
    const d = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'security.d' }, spec: { tier: 'security', selector: 'all()', ingress: [{ action: 'Pass' }] } });
    const platform = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'platform.other' }, spec: { tier: 'platform', selector: 'env == "other"', ingress: [{ action: 'Allow' }] } });
    const j = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'application.j' },
      spec: { tier: 'application', selector: 'env == "stage"', ingress: [{ action: 'Allow', source: { selector: 'env == "prod"' } }] },
    });
    const policies = [...tiers, d, platform, j];
    const v = verdict(m, policies, 'app/prod', 'app/stage');
    expect(v.allowed).to.equal(true);
    expect(v.ingress.allowedBy).to.deep.equal({ policy: 'gnp:application.j', direction: 'ingress', rule: 0, tier: 'application' });
    expect(v.ingress.selectedBy).to.deep.equal(['gnp:security.d', 'gnp:application.j']);
    expect(verdict(m, policies, 'app/stage2', 'app/stage').ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'application' });
    // prod is selected by security only, which passes: the profile allows.
    expect(verdict(m, policies, 'app/stage', 'app/prod').ingress.decision.kind).to.equal('passed');
  });

  it('sorts tiers by order, smallest first, whatever order the resources come in (tier.mdx "Tiers are sorted by their order")', () => {
    const first = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'zeta' }, spec: { order: 10 } });
    const second = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'alpha' }, spec: { order: 20 } });
    const deny = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'zeta.deny' }, spec: { tier: 'zeta', selector: 'all()', ingress: [{ action: 'Deny' }] } });
    const allow = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'alpha.allow' }, spec: { tier: 'alpha', selector: 'all()', ingress: [{ action: 'Allow' }] } });
    expect(verdict(m, [allow, second, deny, first], 'app/prod', 'app/stage').ingress.decision).to.include({ kind: 'rule', action: 'Deny' });
    const swapped = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'zeta' }, spec: { order: 30 } });
    expect(verdict(m, [allow, second, deny, swapped], 'app/prod', 'app/stage').ingress.decision).to.include({ kind: 'rule', action: 'Allow' });
  });

  it('puts a tier without an order after every tier with one, and breaks equal orders by name (felix/calc/policy_sorter.go TierLess)', () => {
    const unordered = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'aaa' }, spec: {} });
    const ordered = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'zzz' }, spec: { order: 2_000_000 } });
    const deny = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'aaa.deny' }, spec: { tier: 'aaa', selector: 'all()', ingress: [{ action: 'Deny' }] } });
    const allow = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'zzz.allow' }, spec: { tier: 'zzz', selector: 'all()', ingress: [{ action: 'Allow' }] } });
    expect(verdict(m, [unordered, ordered, deny, allow], 'app/prod', 'app/stage').ingress.decision).to.include({ kind: 'rule', action: 'Allow' });
    const tieA = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'aaa' }, spec: { order: 5 } });
    const tieZ = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'zzz' }, spec: { order: 5 } });
    expect(verdict(m, [tieZ, tieA, allow, deny], 'app/prod', 'app/stage').ingress.decision).to.include({ kind: 'rule', action: 'Deny' });
  });
});

describe('Calico policy order, actions and Kubernetes policies (docs: calico/network-policy/get-started/calico-policy/calico-network-policy.mdx)', () => {
  const m = model({ production: { shape: 'circle' }, staging: { shape: 'square' }, other: { shape: 'circle' } }, [
    { ns: 'production', name: 'red', labels: { color: 'red', role: 'database' }, ip: '10.2.0.1', ports: [6379, 80] },
    { ns: 'production', name: 'blue', labels: { color: 'blue', role: 'frontend' }, ip: '10.2.0.2' },
    { ns: 'staging', name: 'blue', labels: { color: 'blue' }, ip: '10.2.1.2' },
    { ns: 'other', name: 'blue', labels: { color: 'blue' }, ip: '10.2.2.2' },
    { ns: 'other', name: 'green', labels: { color: 'green' }, ip: '10.2.2.3' },
  ], { externals: [{ name: 'in-net', ip: '1.2.3.9' }, { name: 'elsewhere', ip: '198.51.100.7' }] });

  const allow6379 = resource({
    apiVersion: v3,
    kind: 'NetworkPolicy',
    metadata: { name: 'allow-tcp-6379', namespace: 'production' },
    spec: { selector: "color == 'red'", ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "color == 'blue'" }, destination: { ports: [6379] } }] },
  });

  it('"ingress traffic to endpoints in the namespace production with label color: red is allowed, only if it comes from a pod in the same namespace with color: blue, on port 6379"', () => {
    expect(allows(m, [allow6379], 'production/blue', 'production/red', 'TCP', 6379)).to.equal(true);
    expect(allows(m, [allow6379], 'production/blue', 'production/red', 'TCP', 80)).to.equal(false);
    expect(allows(m, [allow6379], 'staging/blue', 'production/red', 'TCP', 6379)).to.equal(false);
    expect(allows(m, [allow6379], 'in-net', 'production/red', 'TCP', 6379)).to.equal(false);
    // A Calico policy with an ingress rule isolates the pod in the default tier.
    expect(verdict(m, [allow6379], 'staging/blue', 'production/red', 'TCP', 6379).ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
  });

  it('"ingress traffic is also allowed from endpoints in namespaces that match shape == circle" (namespaceSelector)', () => {
    const withNamespaces = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-tcp-6379', namespace: 'production' },
      spec: {
        selector: "color == 'red'",
        ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "color == 'blue'", namespaceSelector: "shape == 'circle'" }, destination: { ports: [6379] } }],
      },
    });
    expect(allows(m, [withNamespaces], 'other/blue', 'production/red', 'TCP', 6379)).to.equal(true);
    expect(allows(m, [withNamespaces], 'production/blue', 'production/red', 'TCP', 6379)).to.equal(true);
    expect(allows(m, [withNamespaces], 'staging/blue', 'production/red', 'TCP', 6379)).to.equal(false);
    expect(allows(m, [withNamespaces], 'other/green', 'production/red', 'TCP', 6379)).to.equal(false);
  });

  it('"incoming TCP traffic to any pods with label color: red is denied if it comes from a pod with color: blue" (GlobalNetworkPolicy deny-blue)', () => {
    const denyBlue = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-blue' }, spec: { selector: "color == 'red'", ingress: [{ action: 'Deny', protocol: 'TCP', source: { selector: "color == 'blue'" } }] } });
    for (const from of ['production/blue', 'staging/blue', 'other/blue']) {
      expect(verdict(m, [denyBlue], from, 'production/red').ingress.decision, from).to.include({ kind: 'rule', action: 'Deny' });
    }
    // The policy selects red for ingress, so what it does not deny ends at the default tier's drop.
    expect(verdict(m, [denyBlue], 'other/green', 'production/red').ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
    expect(allows(m, [denyBlue], 'production/red', 'other/green')).to.equal(true);
  });

  it('GlobalNetworkPolicy deny-circle-blue: the rule\'s namespaceSelector narrows the source to circle namespaces', () => {
    const denyCircleBlue = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'deny-circle-blue' },
      spec: { selector: "color == 'red'", ingress: [{ action: 'Deny', protocol: 'TCP', source: { selector: "color == 'blue'", namespaceSelector: "shape == 'circle'" } }, { action: 'Allow' }] },
    });
    expect(allows(m, [denyCircleBlue], 'other/blue', 'production/red')).to.equal(false);
    expect(allows(m, [denyCircleBlue], 'staging/blue', 'production/red')).to.equal(true);
  });

  it('"outgoing traffic ... if it goes to an IP address in the 1.2.3.4/24 CIDR block" (nets; the example\'s Deny rule)', () => {
    const denyExternal = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-egress-external', namespace: 'production' },
      spec: { selector: "color == 'red'", types: ['Egress'], egress: [{ action: 'Deny', destination: { nets: ['1.2.3.0/24'] } }] },
    });
    expect(verdict(m, [denyExternal], 'production/red', 'in-net').egress.decision).to.include({ kind: 'rule', action: 'Deny' });
    expect(verdict(m, [denyExternal], 'production/red', 'elsewhere').egress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
  });

  it('"the policy allow-cluster-internal-ingress (order: 10) will be applied before the policy drop-other-ingress (order: 20)"', () => {
    const drop = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'drop-other-ingress' }, spec: { order: 20, selector: 'all()', ingress: [{ action: 'Deny' }] } });
    const allowInternal = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'allow-cluster-internal-ingress' },
      spec: { order: 10, selector: 'all()', ingress: [{ action: 'Allow', source: { nets: ['10.0.0.0/8'] } }] },
    });
    const v = verdict(m, [drop, allowInternal], 'other/green', 'production/red');
    expect(v.allowed).to.equal(true);
    expect(v.ingress.selectedBy).to.deep.equal(['gnp:allow-cluster-internal-ingress', 'gnp:drop-other-ingress']);
    expect(verdict(m, [drop, allowInternal], 'in-net', 'production/red').ingress.decision).to.include({ kind: 'rule', action: 'Deny' });
  });

  it('breaks equal orders by "<name>/<namespace>/<kind>" and puts a policy without order last (felix/calc/policy_sorter.go PolKVLess)', () => {
    const deny = (name: string, order?: number) =>
      resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { ...(order !== undefined ? { order } : {}), selector: 'all()', ingress: [{ action: 'Deny' }] } });
    const allow = (name: string, order?: number) =>
      resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { ...(order !== undefined ? { order } : {}), selector: 'all()', ingress: [{ action: 'Allow' }] } });
    expect(allows(m, [deny('b-deny', 5), allow('a-allow', 5)], 'other/green', 'production/red')).to.equal(true);
    expect(allows(m, [deny('a-deny', 5), allow('b-allow', 5)], 'other/green', 'production/red')).to.equal(false);
    expect(allows(m, [deny('a-deny'), allow('z-allow', 1e9)], 'other/green', 'production/red')).to.equal(true);
  });

  it('"incoming TCP traffic to an application is denied, and each connection attempt is logged": Log goes on to the next rule', () => {
    const logged = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-tcp-6379', namespace: 'production' },
      spec: {
        selector: "role == 'database'",
        types: ['Ingress', 'Egress'],
        ingress: [
          { action: 'Log', protocol: 'TCP', source: { selector: "role == 'frontend'" } },
          { action: 'Deny', protocol: 'TCP', source: { selector: "role == 'frontend'" } },
        ],
      },
    });
    const v = verdict(m, [logged], 'production/blue', 'production/red', 'TCP', 6379);
    expect(v.ingress.decision).to.deep.equal({ kind: 'rule', action: 'Deny', rule: { policy: 'np:production/allow-tcp-6379', direction: 'ingress', rule: 1, tier: 'default' } });
    // types lists Egress with no egress rules: the database's egress ends at the default tier's drop.
    expect(verdict(m, [logged], 'production/red', 'other/green').egress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
  });

  it('orders Kubernetes NetworkPolicies in the default tier at order 1000 (libcalico-go conversion.go K8sNetworkPolicyToCalico)', () => {
    const k8sAllow = networkPolicy('production', 'allow-all-to-red', { podSelector: { matchLabels: { color: 'red' } }, ingress: [{}] });
    const calicoDeny = (order: number) =>
      resource({ apiVersion: v3, kind: 'NetworkPolicy', metadata: { name: 'deny-blue', namespace: 'production' }, spec: { order, selector: "color == 'red'", ingress: [{ action: 'Deny', source: { selector: "color == 'blue'" } }] } });
    const before = verdict(m, [k8sAllow, calicoDeny(999)], 'production/blue', 'production/red');
    expect(before.allowed).to.equal(false);
    expect(before.ingress.selectedBy).to.deep.equal(['np:production/deny-blue', 'production/allow-all-to-red']);
    expect(before.reason).to.match(/^ingress to production\/red denied by Calico NetworkPolicy production\/deny-blue rule 0 \(tier default\)/);
    const after = verdict(m, [k8sAllow, calicoDeny(1001)], 'production/blue', 'production/red');
    expect(after.allowed).to.equal(true);
    expect(after.ingress.allowedBy).to.deep.equal({ policy: 'production/allow-all-to-red', direction: 'ingress', rule: 0, tier: 'default' });
  });
});

describe('Calico namespace, service account and selector scopes', () => {
  const m = model(
    { 'prod-engineering': { environment: 'production' }, dev: { environment: 'development' }, dev2: { environment: 'development' } },
    [
      { ns: 'prod-engineering', name: 'db', labels: { app: 'db' }, ip: '10.3.0.1' },
      { ns: 'prod-engineering', name: 'api', sa: 'api-service', ip: '10.3.0.2' },
      { ns: 'prod-engineering', name: 'auth', sa: 'user-auth-service', ip: '10.3.0.3' },
      { ns: 'prod-engineering', name: 'web', sa: 'web', ip: '10.3.0.4' },
      { ns: 'prod-engineering', name: 'intern', sa: 'intern', ip: '10.3.0.5' },
      { ns: 'prod-engineering', name: 'intern2', sa: 'intern', ip: '10.3.0.6' },
      { ns: 'prod-engineering', name: 'plain', ip: '10.3.0.7' },
      { ns: 'dev', name: 'a', ip: '10.3.1.1' },
      { ns: 'dev2', name: 'b', ip: '10.3.2.1' },
    ],
    {
      externals: [{ name: 'outside', ip: '203.0.113.5' }],
      serviceAccounts: [
        { namespace: 'prod-engineering', name: 'web', labels: { app: 'web-frontend' } },
        { namespace: 'prod-engineering', name: 'intern', labels: { role: 'intern' } },
      ],
    },
  );

  it('"ingress traffic is allowed from any workload whose service account matches the names api-service or user-auth-service" (docs: policy-rules/service-accounts.mdx)', () => {
    const demo = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'demo-calico', namespace: 'prod-engineering' },
      spec: { ingress: [{ action: 'Allow', source: { serviceAccounts: { names: ['api-service', 'user-auth-service'] } } }], selector: 'app == "db"' },
    });
    expect(allows(m, [demo], 'prod-engineering/api', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [demo], 'prod-engineering/auth', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [demo], 'prod-engineering/web', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [demo], 'prod-engineering/plain', 'prod-engineering/db')).to.equal(false);
  });

  it('"ingress traffic is allowed from any workload whose service account matches the label selector app == web-frontend"', () => {
    const frontend = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-web-frontend', namespace: 'prod-engineering' },
      spec: { ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: 'app == "web-frontend"' } } }], selector: 'app == "db"' },
    });
    expect(allows(m, [frontend], 'prod-engineering/web', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [frontend], 'prod-engineering/api', 'prod-engineering/db')).to.equal(false);
  });

  it('"pods with an intern service account can communicate only with pods with service accounts labeled role: intern" (serviceAccountSelector)', () => {
    const intern = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'restrict-intern-access', namespace: 'prod-engineering' },
      spec: {
        serviceAccountSelector: 'role == "intern"',
        ingress: [{ action: 'Allow', source: { serviceAccounts: { selector: 'role == "intern"' } } }],
        egress: [{ action: 'Allow', destination: { serviceAccounts: { selector: 'role == "intern"' } } }],
      },
    });
    expect(allows(m, [intern], 'prod-engineering/intern', 'prod-engineering/intern2')).to.equal(true);
    expect(allows(m, [intern], 'prod-engineering/intern', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [intern], 'prod-engineering/db', 'prod-engineering/intern')).to.equal(false);
    // Pods of other service accounts are not selected at all.
    expect(allows(m, [intern], 'prod-engineering/db', 'prod-engineering/api')).to.equal(true);
  });

  it('"users in the development environment can communicate only with pods that have a namespace labeled environment == development" (docs: policy-rules/namespace-policy.mdx)', () => {
    const dev = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'restrict-development-access' },
      spec: {
        namespaceSelector: 'environment == "development"',
        ingress: [{ action: 'Allow', source: { namespaceSelector: 'environment == "development"' } }],
        egress: [{ action: 'Allow', destination: { namespaceSelector: 'environment == "development"' } }],
      },
    });
    expect(allows(m, [dev], 'dev/a', 'dev2/b')).to.equal(true);
    expect(allows(m, [dev], 'dev/a', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [dev], 'prod-engineering/db', 'dev/a')).to.equal(false);
    expect(allows(m, [dev], 'outside', 'dev/a')).to.equal(false);
    expect(allows(m, [dev], 'prod-engineering/plain', 'prod-engineering/db')).to.equal(true);
  });

  it('matches a namespace by name with projectcalico.org/name (docs: _entityrule.mdx; conversion.go NamespaceToProfile)', () => {
    const byName = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'from-dev', namespace: 'prod-engineering' },
      spec: { selector: 'app == "db"', ingress: [{ action: 'Allow', source: { namespaceSelector: 'projectcalico.org/name == "dev"' } }] },
    });
    expect(allows(m, [byName], 'dev/a', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [byName], 'dev2/b', 'prod-engineering/db')).to.equal(false);
  });

  it('limits a namespaced policy\'s rule selectors, notSelector included, to its own namespace (updateprocessors/rules.go getEndpointSelector)', () => {
    const policy = (source: Record<string, unknown>) =>
      resource({ apiVersion: v3, kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'prod-engineering' }, spec: { selector: 'app == "db"', ingress: [{ action: 'Allow', source }] } });
    // all() in a rule matches every endpoint in scope, not every packet.
    expect(allows(m, [policy({ selector: 'all()' })], 'prod-engineering/plain', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [policy({ selector: 'all()' })], 'dev/a', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [policy({ selector: 'all()' })], 'outside', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [policy({ notSelector: 'has(sa)' })], 'prod-engineering/plain', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [policy({ notSelector: 'has(sa)' })], 'dev/a', 'prod-engineering/db')).to.equal(false);
    // No selector field at all: every source, outside the cluster too.
    expect(allows(m, [policy({})], 'outside', 'prod-engineering/db')).to.equal(true);
  });

  it('"notSelector: has(foo) matches packets from anywhere (including outside the cluster), except ... endpoints that have the label foo" (docs: _entityrule.mdx, a GlobalNetworkPolicy)', () => {
    const gnp = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'not-db' },
      spec: { selector: 'app == "db"', ingress: [{ action: 'Allow', source: { notSelector: 'has(app)' } }] },
    });
    expect(allows(m, [gnp], 'outside', 'prod-engineering/db')).to.equal(true);
    expect(allows(m, [gnp], 'dev/a', 'prod-engineering/db')).to.equal(true);
    const selectorNotHas = resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'not-has' }, spec: { selector: 'app == "db"', ingress: [{ action: 'Allow', source: { selector: '!has(app)' } }] } });
    // "selector: !has(foo) matches packets from/to endpoints ... that do not have the label": not from outside.
    expect(allows(m, [selectorNotHas], 'outside', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [selectorNotHas], 'dev/a', 'prod-engineering/db')).to.equal(true);
  });

  it('global() in a rule\'s namespaceSelector selects no pod (docs: _selector-scopes.mdx; rules.go rewrites it to !has(projectcalico.org/namespace))', () => {
    const global = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'global-only', namespace: 'prod-engineering' },
      spec: { selector: 'app == "db"', ingress: [{ action: 'Allow', source: { namespaceSelector: 'global()', selector: 'all()' } }] },
    });
    expect(allows(m, [global], 'prod-engineering/plain', 'prod-engineering/db')).to.equal(false);
    expect(allows(m, [global], 'outside', 'prod-engineering/db')).to.equal(false);
  });
});

describe('Calico default deny, ICMP and staged policies', () => {
  const m = model({ 'kube-system': {}, shop: {} }, [
    { ns: 'kube-system', name: 'coredns', labels: { 'k8s-app': 'kube-dns' }, ip: '10.4.0.10', ports: [53] },
    { ns: 'shop', name: 'web', labels: { app: 'web' }, ip: '10.4.1.1' },
    { ns: 'shop', name: 'client', ip: '10.4.1.2' },
  ], { externals: [{ name: 'outside', ip: '203.0.113.9' }] });

  // docs: calico/network-policy/get-started/kubernetes-default-deny.mdx, "deny-app-policy", verbatim.
  const denyApp = resource({
    apiVersion: v3,
    kind: 'GlobalNetworkPolicy',
    metadata: { name: 'deny-app-policy' },
    spec: {
      namespaceSelector: 'has(projectcalico.org/name) && projectcalico.org/name not in {"kube-system", "calico-system", "calico-apiserver"}',
      types: ['Ingress', 'Egress'],
      egress: [
        { action: 'Allow', protocol: 'UDP', destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } },
        { action: 'Allow', protocol: 'TCP', destination: { selector: 'k8s-app == "kube-dns"', ports: [53] } },
      ],
    },
  });

  it('"applies a default-deny behaviour to all non-system pods. The policy also allows access kube-dns"', () => {
    expect(allows(m, [denyApp], 'shop/client', 'kube-system/coredns', 'UDP', 53)).to.equal(true);
    expect(allows(m, [denyApp], 'shop/client', 'kube-system/coredns', 'TCP', 53)).to.equal(true);
    expect(allows(m, [denyApp], 'shop/client', 'shop/web')).to.equal(false);
    expect(allows(m, [denyApp], 'shop/client', 'outside')).to.equal(false);
    expect(allows(m, [denyApp], 'outside', 'shop/web')).to.equal(false);
    // "deliberately excludes the kube-system ... namespaces"
    expect(verdict(m, [denyApp], 'kube-system/coredns', 'outside').egress.decision).to.deep.equal({ kind: 'not-isolated' });
  });

  it('"Allow ICMP ping": ICMPv4 type 8 from workloads is allowed, everything else is denied by default', () => {
    const ping = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'allow-ping-in-cluster' },
      spec: { selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'ICMP', source: { selector: 'all()' }, icmp: { type: 8 } }, { action: 'Allow', protocol: 'ICMPv6', source: { selector: 'all()' }, icmp: { type: 128 } }] },
    });
    expect(allows(m, [ping], 'shop/client', 'shop/web', 'ICMP')).to.equal(true);
    expect(allows(m, [ping], 'outside', 'shop/web', 'ICMP')).to.equal(false);
    expect(allows(m, [ping], 'shop/client', 'shop/web', 'TCP', 80)).to.equal(false);
    expect(allows(m, [ping], 'shop/client', 'shop/web', 'ICMP', undefined, { type: 13, code: 0 })).to.equal(false);
  });

  it('"Deny all ICMP": block-icmp denies ICMP both ways, and isolates every endpoint for what it does not name', () => {
    const block = resource({
      apiVersion: v3,
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'block-icmp' },
      spec: {
        order: 200,
        selector: 'all()',
        types: ['Ingress', 'Egress'],
        ingress: [{ action: 'Deny', protocol: 'ICMP' }, { action: 'Deny', protocol: 'ICMPv6' }],
        egress: [{ action: 'Deny', protocol: 'ICMP' }, { action: 'Deny', protocol: 'ICMPv6' }],
      },
    });
    expect(verdict(m, [block], 'shop/client', 'shop/web', 'ICMP').egress.decision).to.include({ kind: 'rule', action: 'Deny' });
    expect(verdict(m, [block], 'shop/client', 'shop/web', 'TCP', 80).ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
  });

  it('"Allow ICMP matching protocol type and code": type 3 code 1 matches only that message; the example\'s selector matches no pod', () => {
    const unreachable = (selector: string) =>
      resource({ apiVersion: v3, kind: 'GlobalNetworkPolicy', metadata: { name: 'allow-host-unreachable' }, spec: { selector, types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'ICMP', icmp: { type: 3, code: 1 } }] } });
    // felix labels pods projectcalico.org/orchestrator=k8s (api constants.go OrchestratorKubernetes), not "kubernetes".
    expect(verdict(m, [unreachable("projectcalico.org/orchestrator == 'kubernetes'")], 'shop/client', 'shop/web', 'ICMP').ingress.isolated).to.equal(false);
    const policy = unreachable("projectcalico.org/orchestrator == 'k8s'");
    expect(allows(m, [policy], 'shop/client', 'shop/web', 'ICMP', undefined, { type: 3, code: 1 })).to.equal(true);
    expect(allows(m, [policy], 'shop/client', 'shop/web', 'ICMP', undefined, { type: 3, code: 0 })).to.equal(false);
    expect(allows(m, [policy], 'shop/client', 'shop/web', 'ICMP')).to.equal(false);
  });

  it('notICMP excludes one message type (docs: _icmp.mdx; rule.go NotICMPType)', () => {
    const notEcho = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'no-echo', namespace: 'shop' },
      spec: { selector: 'app == "web"', ingress: [{ action: 'Allow', protocol: 'ICMP', notICMP: { type: 8 } }] },
    });
    expect(allows(m, [notEcho], 'shop/client', 'shop/web', 'ICMP')).to.equal(false);
    expect(allows(m, [notEcho], 'shop/client', 'shop/web', 'ICMP', undefined, { type: 13, code: 0 })).to.equal(true);
  });

  it('a StagedNetworkPolicy is "used to preview network behavior and do not to enforce network traffic" (docs: reference/resources/stagednetworkpolicy.mdx)', () => {
    const tier = resource({ apiVersion: v3, kind: 'Tier', metadata: { name: 'internal-access' }, spec: { order: 100 } });
    const staged = resource({
      apiVersion: v3,
      kind: 'StagedNetworkPolicy',
      metadata: { name: 'internal-access.deny-all', namespace: 'shop' },
      spec: { tier: 'internal-access', selector: 'all()', types: ['Ingress', 'Egress'], ingress: [{ action: 'Deny' }] },
    });
    const v = verdict(m, [tier, staged], 'shop/client', 'shop/web');
    expect(v.allowed).to.equal(true);
    expect(v.ingress.isolated).to.equal(false);
    const stagedGlobal = resource({ apiVersion: v3, kind: 'StagedGlobalNetworkPolicy', metadata: { name: 'deny-everything' }, spec: { selector: 'all()', ingress: [{ action: 'Deny' }] } });
    expect(allows(m, [stagedGlobal], 'shop/client', 'shop/web')).to.equal(true);
  });

  it('defaults types as the docs\' table says: egress rules only -> Egress, none or both -> Ingress (+Egress)', () => {
    const egressOnly = resource({ apiVersion: v3, kind: 'NetworkPolicy', metadata: { name: 'e', namespace: 'shop' }, spec: { selector: 'all()', egress: [{ action: 'Deny' }] } });
    expect(verdict(m, [egressOnly], 'shop/client', 'shop/web').ingress.isolated).to.equal(false);
    expect(allows(m, [egressOnly], 'shop/client', 'shop/web')).to.equal(false);
    const none = resource({ apiVersion: v3, kind: 'NetworkPolicy', metadata: { name: 'n', namespace: 'shop' }, spec: { selector: 'all()' } });
    expect(verdict(m, [none], 'shop/client', 'shop/web').egress.isolated).to.equal(false);
    expect(verdict(m, [none], 'shop/client', 'shop/web').ingress.decision).to.deep.equal({ kind: 'end-of-tier', tier: 'default' });
  });

  it('matches destination port ranges and named ports (docs: _ports.mdx)', () => {
    const named = model({ shop: {} }, []);
    named.pods.push(
      { namespace: 'shop', name: 'web', labels: { app: 'web' }, ip: '10.4.1.1', ports: [{ name: 'http-alt', port: 8080, protocol: 'TCP' }] },
      { namespace: 'shop', name: 'client', labels: {}, ip: '10.4.1.2', ports: [] },
    );
    const policy = (ports: (number | string)[]) =>
      resource({ apiVersion: v3, kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'shop' }, spec: { selector: 'app == "web"', ingress: [{ action: 'Allow', protocol: 'TCP', destination: { ports } }] } });
    expect(allows(named, [policy(['8000:8100'])], 'shop/client', 'shop/web', 'TCP', 8080)).to.equal(true);
    expect(allows(named, [policy(['8000:8079'])], 'shop/client', 'shop/web', 'TCP', 8080)).to.equal(false);
    expect(allows(named, [policy(['http-alt'])], 'shop/client', 'shop/web', 'TCP', 8080)).to.equal(true);
    expect(allows(named, [policy(['http-alt'])], 'shop/client', 'shop/web', 'TCP', 8081)).to.equal(false);
  });
});

describe('Calico policies over two address families', () => {
  const dual = model(
    { shop: {} },
    [
      { ns: 'shop', name: 'web', labels: { app: 'web' }, ip: '10.0.0.1' },
      { ns: 'shop', name: 'client', ip: '10.0.0.2' },
    ],
    { externals: [{ name: 'outside', ip: '203.0.113.9', ips: ['203.0.113.9', '2001:db8::9'] }] },
  );
  dual.pods = dual.pods.map((p, i) => ({ ...p, ips: [p.ip!, `fd00::${i + 1}`] }));
  const over = (policies: PolicyResource[], from: string, to: string, family: 'IPv4' | 'IPv6', protocol: FlowProtocol = 'TCP'): boolean =>
    new Oracle(dual, policies).evaluate({ from: endpointOf(from), to: endpointOf(to), protocol, ...(protocol === 'ICMP' ? {} : { port: 80 }), family }).allowed;

  it('nets match the endpoint\'s address of the flow\'s family (felix renders them into that family\'s rules only)', () => {
    const v6nets = resource({
      apiVersion: v3,
      kind: 'NetworkPolicy',
      metadata: { name: 'from-v6-outside', namespace: 'shop' },
      spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', source: { nets: ['2001:db8::/64'] } }] },
    });
    expect(over([v6nets], 'outside', 'shop/web', 'IPv6')).to.equal(true);
    expect(over([v6nets], 'outside', 'shop/web', 'IPv4')).to.equal(false);
  });

  it('a ping over IPv6 is an ICMPv6 echo request (type 128): ICMP rules do not match it, ICMPv6 ones do', () => {
    const ping = (protocol: 'ICMP' | 'ICMPv6', type: number): PolicyResource =>
      resource({
        apiVersion: v3,
        kind: 'NetworkPolicy',
        metadata: { name: `ping-${protocol.toLowerCase()}`, namespace: 'shop' },
        spec: { selector: "app == 'web'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol, icmp: { type } }] },
      });
    expect(over([ping('ICMP', 8)], 'shop/client', 'shop/web', 'IPv4', 'ICMP')).to.equal(true);
    expect(over([ping('ICMP', 8)], 'shop/client', 'shop/web', 'IPv6', 'ICMP')).to.equal(false);
    expect(over([ping('ICMPv6', 128)], 'shop/client', 'shop/web', 'IPv6', 'ICMP')).to.equal(true);
    expect(over([ping('ICMPv6', 128)], 'shop/client', 'shop/web', 'IPv4', 'ICMP')).to.equal(false);
  });
});
