// planRecipe: deployed names, resolved addresses, and expectations from the oracle.
import { expect } from 'chai';
import type { NetworkPolicy } from '../model/types.ts';
import { InputError } from '../errors.ts';
import { loadCatalog } from './catalog.ts';
import { parseRecipe } from './parse.ts';
import { impliedSteps } from './parse-steps.ts';
import { namespaceName, planRecipe } from './plan.ts';
import { expandProbes } from './probes.ts';
import type { Recipe } from './types.ts';

const recipe: Recipe = parseRecipe(
  `
id: t1
title: ipBlock and a namespace-name selector
source: https://example.org/t1
namespaces:
  - name: default
  - name: ops
pods:
  - namespace: default
    name: web
    labels: {app: web}
    serve: [{name: http, port: 80, protocol: TCP, http: true}]
  - {namespace: default, name: client}
  - {namespace: ops, name: client}
externals:
  - name: outside
  - name: stranger
policies:
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: web, namespace: default}
    spec:
      podSelector: {matchLabels: {app: web}}
      ingress:
        - from:
            - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}
            - namespaceSelector:
                matchExpressions: [{key: kubernetes.io/metadata.name, operator: In, values: [ops]}]
            - ipBlock: {cidr: "{{external:outside}}/32"}
probes:
  - from: [default/client, ops/client, outside, stranger]
    to: [default/web]
    protocols: [tcp, icmp]
    port: 80
`,
  'recipes/t1-test.yaml',
);

describe('planRecipe', () => {
  it('suffixes namespaces with the recipe id and the run suffix, and renames policies to match', () => {
    const plan = planRecipe(recipe, 'r1a2');
    expect(plan.namespaceNames).to.deep.equal({ default: 'default-t1-r1a2', ops: 'ops-t1-r1a2' });
    expect(plan.namespaces[1]).to.deep.equal({ name: 'ops-t1-r1a2', labels: { 'kubernetes.io/metadata.name': 'ops-t1-r1a2' } });
    expect(plan.fixtures.map((f) => `${f.namespace}/${f.name}`)).to.deep.equal(['default-t1-r1a2/web', 'default-t1-r1a2/client', 'ops-t1-r1a2/client']);
    expect(plan.fixtures[0]?.serve).to.deep.equal([{ name: 'http', port: 80, protocol: 'TCP', http: true }]);
    const policy = plan.policies[0] as NetworkPolicy | undefined;
    expect(policy?.metadata.namespace).to.equal('default-t1-r1a2');
    const from = policy?.spec.ingress?.[0]?.from ?? [];
    expect(from[0]?.namespaceSelector?.matchLabels).to.deep.equal({ 'kubernetes.io/metadata.name': 'ops-t1-r1a2' });
    expect(from[1]?.namespaceSelector?.matchExpressions?.[0]?.values).to.deep.equal(['ops-t1-r1a2']);
    // The recipe itself is untouched.
    expect((recipe.policies[0] as NetworkPolicy | undefined)?.metadata.namespace).to.equal('default');
  });

  it('keeps probe ids (the recipe names) and puts deployed names in the flow', () => {
    const plan = planRecipe(recipe, 'r1a2');
    const probe = plan.probes.find((p) => p.id === 'after ops/client -> default/web tcp/80');
    expect(probe?.flow).to.deep.equal({ from: { pod: 'ops-t1-r1a2/client' }, to: { pod: 'default-t1-r1a2/web' }, protocol: 'TCP', port: 80 });
    expect(probe?.expected).to.equal('allowed');
    expect(probe?.reason).to.include('default-t1-r1a2/web');
    expect(plan.probes.find((p) => p.id === 'after default/client -> default/web tcp/80')?.expected).to.equal('blocked');
  });

  it('resolves {{external:...}} from the provider addresses, with documentation addresses as stand-ins', () => {
    const listed = planRecipe(recipe, '');
    expect((listed.policies[0] as NetworkPolicy | undefined)?.spec.ingress?.[0]?.from?.[2]?.ipBlock?.cidr).to.equal('203.0.113.10/32');
    const deployed = planRecipe(recipe, 'r1', { externals: { outside: '172.18.0.9', stranger: '172.18.0.10' } });
    expect((deployed.policies[0] as NetworkPolicy | undefined)?.spec.ingress?.[0]?.from?.[2]?.ipBlock?.cidr).to.equal('172.18.0.9/32');
    expect(deployed.model.externals).to.deep.equal([
      { name: 'outside', ip: '172.18.0.9' },
      { name: 'stranger', ip: '172.18.0.10' },
    ]);
    const outcome = (id: string): string | undefined => deployed.probes.find((p) => p.id === id)?.expected;
    expect(outcome('after outside -> default/web tcp/80')).to.equal('allowed');
    expect(outcome('after stranger -> default/web tcp/80')).to.equal('blocked');
  });

  it('re-validates policies once real addresses replace the placeholders', () => {
    expect(() => planRecipe(recipe, 'r1', { externals: { outside: 'not-an-ip' } })).to.throw(InputError, /policies\[0\] \(planned\)/);
  });

  it('gives pods the IPs it is told, for ipBlock rules that match pods', () => {
    const plan = planRecipe(recipe, 'r1', { pods: { 'default-t1-r1/client': '192.168.1.7' } });
    expect(plan.model.pods.find((p) => p.name === 'client' && p.namespace === 'default-t1-r1')?.ip).to.equal('192.168.1.7');
  });

  it('an empty suffix keeps the recipe names', () => {
    expect(planRecipe(recipe, '').namespaceNames).to.deep.equal({ default: 'default', ops: 'ops' });
  });

  it('refuses a suffix that makes a namespace name too long', () => {
    expect(() => namespaceName('kube-system', 'calico-frontend', 'x'.repeat(40))).to.throw(InputError, /at most 63 characters/);
    expect(() => namespaceName('default', '06', 'Run_1')).to.throw(InputError, /not a DNS label/);
  });

  it('expects the same for every recipe of the catalog whatever the suffix', () => {
    for (const r of loadCatalog()) {
      const plain = planRecipe(r, '').probes.map((p) => `${p.id}=${p.expected}`);
      const suffixed = planRecipe(r, 'run42').probes.map((p) => `${p.id}=${p.expected}`);
      expect(suffixed, r.id).to.deep.equal(plain);
    }
  });
});

describe('expandProbes', () => {
  it('expands phases x from x to x protocols x ports, ICMP once per pair, no self-probes, no duplicates', () => {
    const probes = expandProbes({
      probes: [
        { phases: ['before', 'after'], from: ['a/x', 'a/y'], to: ['a/y'], protocols: ['tcp', 'icmp'], ports: [80, 81] },
        { phases: ['after'], from: ['a/x'], to: ['a/y'], protocols: ['tcp'], ports: [80] },
      ],
      steps: impliedSteps([]),
    });
    expect(probes.map((p) => p.id)).to.deep.equal([
      'before a/x -> a/y tcp/80',
      'before a/x -> a/y tcp/81',
      'before a/x -> a/y icmp',
      'after a/x -> a/y tcp/80',
      'after a/x -> a/y tcp/81',
      'after a/x -> a/y icmp',
    ]);
    expect(probes[2]).to.deep.equal({ id: 'before a/x -> a/y icmp', phase: 'before', from: 'a/x', to: 'a/y', protocol: 'icmp' });
  });
});
