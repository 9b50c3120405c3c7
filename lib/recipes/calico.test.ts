// Calico resources in recipes: the catalog's own checks, and how the planner deploys tiers and
// global policies beside other recipes (renamed, limited to the recipe's namespaces).
import { expect } from 'chai';
import { InputError } from '../errors.ts';
import type { CalicoPolicy, CalicoTier } from '../model/calico.ts';
import { appliedObject, policyRefs } from './apply.ts';
import { parseRecipe } from './parse.ts';
import { planRecipe } from './plan.ts';

const valid = `
id: c1
title: a Calico recipe
source: https://example.org/c1
namespaces:
  - name: default
  - name: kube-system
serviceAccounts:
  - {namespace: default, name: api, labels: {role: api}}
pods:
  - namespace: default
    name: web
    labels: {app: web}
    serve: [{name: http, port: 80, protocol: TCP, http: true}]
  - {namespace: default, name: client, serviceAccount: api}
  - {namespace: kube-system, name: dns, labels: {k8s-app: kube-dns}, serve: [{port: 53, protocol: UDP}]}
externals:
  - name: outside
policies:
  - apiVersion: projectcalico.org/v3
    kind: GlobalNetworkPolicy
    metadata: {name: security.deny-outside}
    spec:
      tier: security
      selector: app == 'web'
      ingress:
        - action: Deny
          source: {nets: ["{{external:outside}}/32"]}
        - action: Pass
  - apiVersion: projectcalico.org/v3
    kind: GlobalNetworkPolicy
    metadata: {name: app-default-deny}
    spec:
      namespaceSelector: projectcalico.org/name != 'kube-system'
      types: [Ingress, Egress]
      egress:
        - action: Allow
          protocol: UDP
          destination: {selector: k8s-app == 'kube-dns', namespaceSelector: projectcalico.org/name == 'kube-system', ports: [53]}
  - apiVersion: projectcalico.org/v3
    kind: NetworkPolicy
    metadata: {name: web-from-api, namespace: default}
    spec:
      selector: app == 'web'
      ingress:
        - action: Allow
          source: {serviceAccounts: {selector: role == 'api'}, selector: "projectcalico.org/namespace == 'default'"}
  - apiVersion: projectcalico.org/v3
    kind: Tier
    metadata: {name: security}
    spec: {order: 100}
probes:
  - from: [default/client, outside]
    to: [default/web]
    protocols: [tcp, http, icmp]
    port: 80
  - from: [default/client]
    to: [kube-system/dns]
    protocols: [udp, icmp]
    port: 53
`;

function failure(edit: (text: string) => string): string {
  const text = edit(valid);
  expect(text, 'the edit changed nothing').to.not.equal(valid);
  try {
    parseRecipe(text, 'recipes/c1-test.yaml');
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('parseRecipe accepted a malformed recipe');
}

describe('Calico resources in recipes', () => {
  const recipe = parseRecipe(valid, 'recipes/c1-test.yaml');

  it('reads tiers, Calico policies and service accounts, keeping placeholders for plan time', () => {
    expect(recipe.policies.map((p) => p.kind)).to.deep.equal(['GlobalNetworkPolicy', 'GlobalNetworkPolicy', 'NetworkPolicy', 'Tier']);
    expect((recipe.policies[0] as CalicoPolicy).spec.ingress?.[0]?.source?.nets).to.deep.equal(['{{external:outside}}/32']);
    expect(recipe.serviceAccounts).to.deep.equal([{ namespace: 'default', name: 'api', labels: { role: 'api' } }]);
    expect(recipe.pods[1]?.serviceAccount).to.equal('api');
  });

  const cases: [string, (t: string) => string, string | RegExp][] = [
    ['a policy in an undeclared tier', (t) => t.replace('  - apiVersion: projectcalico.org/v3\n    kind: Tier\n    metadata: {name: security}\n    spec: {order: 100}\n', ''), 'recipes/c1-test.yaml: policies[0].spec.tier: tier "security" is not declared: add a projectcalico.org/v3 Tier named "security" to policies (line 24)'],
    ['redefining the default tier', (t) => t.replace('metadata: {name: security}\n    spec: {order: 100}', 'metadata: {name: default}\n    spec: {order: 1000000, defaultAction: Pass}'), /^recipes\/c1-test\.yaml: policies\[3\]\.metadata\.name: tier "default" is the cluster's own/],
    ['a selector typo, at its character', (t) => t.replace("selector: app == 'web'\n      ingress:\n        - action: Deny", "selector: app == web\n      ingress:\n        - action: Deny"), /^recipes\/c1-test\.yaml: policies\[0\]\.spec\.selector: invalid selector: expected a quoted string .* at character 8 of "app == web"/],
    ['a namespace that is not the recipe\'s', (t) => t.replace('{name: web-from-api, namespace: default}', '{name: web-from-api, namespace: prod}'), 'recipes/c1-test.yaml: policies[2].metadata.namespace: namespace "prod" is not declared under namespaces (line 42)'],
    ['a service account nobody declares', (t) => t.replace('serviceAccount: api}', 'serviceAccount: ghost}'), 'recipes/c1-test.yaml: pods[1].serviceAccount: service account default/ghost is not declared under serviceAccounts (line 15)'],
    ['a placeholder for an unknown host', (t) => t.replace('{{external:outside}}', '{{external:nowhere}}'), 'recipes/c1-test.yaml: policies[0]: {{external:nowhere}} names no host under externals (line 20)'],
    ['a duplicate global policy', (t) => t.replace('name: app-default-deny', 'name: security.deny-outside').replace("namespaceSelector: projectcalico.org/name != 'kube-system'", "tier: security\n      namespaceSelector: projectcalico.org/name != 'kube-system'"), 'recipes/c1-test.yaml: policies[1].metadata.name: Calico GlobalNetworkPolicy security.deny-outside is declared twice (line 32)'],
  ];
  for (const [what, edit, expected] of cases) {
    it(`rejects ${what}`, () => {
      const message = failure(edit);
      if (typeof expected === 'string') expect(message).to.equal(expected);
      else expect(message).to.match(expected);
    });
  }

  describe('planned for a run', () => {
    const plan = planRecipe(recipe, 'r1a2', { externals: { outside: '172.18.0.9' } });
    const byName = (name: string) => plan.policies.find((p) => p.metadata.name === name);

    it('puts tiers first and renames recipe tiers, and the policies of a tier with them', () => {
      expect(plan.tierNames).to.deep.equal({ security: 'security-c1-r1a2' });
      expect(plan.policies[0]).to.deep.include({ kind: 'Tier', metadata: { name: 'security-c1-r1a2' } });
      const deny = byName('security-c1-r1a2.deny-outside') as CalicoPolicy;
      expect(deny.spec.tier).to.equal('security-c1-r1a2');
      expect(deny.metadata.labels).to.deep.equal({ 'projectcalico.org/tier': 'security-c1-r1a2' });
      expect(deny.spec.ingress?.[0]?.source?.nets).to.deep.equal(['172.18.0.9/32']);
    });

    it('limits every global policy to the recipe\'s namespaces and renames the namespaces its selectors name', () => {
      const deny = byName('security-c1-r1a2.deny-outside') as CalicoPolicy;
      expect(deny.spec.namespaceSelector).to.equal('projectcalico.org/name in {"default-c1-r1a2", "kube-system-c1-r1a2"}');
      const global = byName('app-default-deny-c1-r1a2') as CalicoPolicy;
      expect(global.spec.namespaceSelector).to.equal(
        '(projectcalico.org/name != "kube-system-c1-r1a2" && projectcalico.org/name in {"default-c1-r1a2", "kube-system-c1-r1a2"})',
      );
      expect(global.spec.egress?.[0]?.destination?.namespaceSelector).to.equal('projectcalico.org/name == "kube-system-c1-r1a2"');
      // A selector that names no namespace is kept as written.
      expect(global.spec.egress?.[0]?.destination?.selector).to.equal("k8s-app == 'kube-dns'");
    });

    it('moves namespaced Calico policies with their namespace, and renames projectcalico.org/namespace values', () => {
      const namespaced = byName('web-from-api') as CalicoPolicy;
      expect(namespaced.metadata.namespace).to.equal('default-c1-r1a2');
      expect(namespaced.spec.ingress?.[0]?.source?.selector).to.equal('projectcalico.org/namespace == "default-c1-r1a2"');
      // Service-account selectors name accounts, which keep their names.
      expect(namespaced.spec.ingress?.[0]?.source?.serviceAccounts).to.deep.equal({ selector: "role == 'api'" });
    });

    it('creates the service accounts in the deployed namespace and runs the pod as its account', () => {
      expect(plan.serviceAccounts).to.deep.equal([{ namespace: 'default-c1-r1a2', name: 'api', labels: { role: 'api' } }]);
      expect(plan.fixtures[1]).to.deep.include({ name: 'client', serviceAccount: 'api' });
      expect(plan.model.pods[1]?.serviceAccount).to.equal('api');
    });

    it('evaluates the planned policies: the security tier denies outside, the default deny isolates web', () => {
      const probe = (id: string) => plan.probes.find((p) => p.id === id);
      expect(probe('after outside -> default/web tcp/80')).to.deep.include({ expected: 'blocked' });
      expect(probe('after outside -> default/web tcp/80')?.reason).to.match(/denied by GlobalNetworkPolicy security-c1-r1a2\.deny-outside rule 0 \(tier security-c1-r1a2\)/);
      expect(probe('after default/client -> default/web tcp/80')).to.deep.include({ expected: 'blocked' });
      expect(probe('after default/client -> kube-system/dns udp/53')).to.deep.include({ expected: 'allowed' });
      expect(probe('after default/client -> kube-system/dns icmp')).to.deep.include({ expected: 'blocked' });
    });

    it('sends Calico resources as crd.projectcalico.org/v1 and names the rendered policies for the counters', () => {
      expect(appliedObject(plan.policies[0]!).apiVersion).to.equal('crd.projectcalico.org/v1');
      expect(policyRefs(plan)).to.deep.equal([
        { namespace: '', name: 'security-c1-r1a2.deny-outside', tier: 'security-c1-r1a2', kind: 'GlobalNetworkPolicy' },
        { namespace: '', name: 'app-default-deny-c1-r1a2', tier: 'default', kind: 'GlobalNetworkPolicy' },
        { namespace: 'default-c1-r1a2', name: 'web-from-api', tier: 'default', kind: 'NetworkPolicy' },
      ]);
    });

    it('keeps every name when listing (no suffix)', () => {
      const listed = planRecipe(recipe, '');
      expect(listed.policies.map((p) => p.metadata.name)).to.deep.equal(['security', 'security.deny-outside', 'app-default-deny', 'web-from-api']);
      expect((listed.policies[2] as CalicoPolicy).spec.namespaceSelector).to.equal("projectcalico.org/name != 'kube-system'");
      expect((listed.policies[0] as CalicoTier).spec).to.deep.equal({ order: 100 });
    });
  });
});
