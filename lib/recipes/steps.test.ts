// Recipe steps: read strictly against the state earlier steps leave, planned into changes in
// deployed names, and each step's probes judged by the state after it.
import { expect } from 'chai';
import { InputError } from '../errors.ts';
import { parseRecipe } from './parse.ts';
import { planRecipe } from './plan.ts';
import { policyLabel } from './policy.ts';
import { planReset } from './steps.ts';

const policy = (name: string, ingress: string): string => `
      - apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata: {name: ${name}, namespace: x}
        spec:
          podSelector: {matchLabels: {app: web}}
          ingress: ${ingress}`;

const stepped = `
id: s1
title: a recipe with steps
source: https://example.org/s1
namespaces:
  - name: x
  - name: y
pods:
  - namespace: x
    name: web
    labels: {app: web}
    serve: [{port: 80, protocol: TCP}]
  - {namespace: x, name: client, labels: {role: client}}
  - {namespace: y, name: client}
steps:
  - name: start
  - name: deny
    apply:${policy('deny', '[]')}
  - name: allow
    apply:${policy('allow', '[{from: [{podSelector: {matchLabels: {role: client}}}]}]')}
  - name: newcomer
    addPods:
      - {namespace: x, name: late, labels: {role: client}}
  - name: relabel
    relabel:
      - {pod: x/client, labels: {role: gone}}
      - {namespace: y, labels: {team: a}}
  - name: update
    apply:${policy('allow', '[{from: [{namespaceSelector: {matchLabels: {team: a}}}]}]')}
    delete: [x/deny]
probes:
  - from: [x/client, y/client]
    to: [x/web]
    protocols: [tcp]
    port: 80
  - phases: [newcomer, relabel, update]
    from: [x/late]
    to: [x/web]
    protocols: [tcp]
    port: 80
`;

/** The error's message, without the "(line N)" every recipe error ends with (tested apart). */
function failure(edit: (text: string) => string): string {
  const text = edit(stepped);
  expect(text, 'the edit changed nothing').to.not.equal(stepped);
  try {
    parseRecipe(text, 'recipes/s1-steps.yaml');
  } catch (e) {
    expect(e).to.be.instanceOf(InputError);
    const message = (e as Error).message;
    expect(message).to.match(/ \(line \d+\)$/);
    return message.replace(/ \(line \d+\)$/, '');
  }
  throw new Error('expected the recipe to be refused');
}

describe('recipe steps', () => {
  it('reads the steps in order, with every change the file names', () => {
    const recipe = parseRecipe(stepped, 'recipes/s1-steps.yaml');
    expect(recipe.stepped).to.equal(true);
    expect(recipe.steps.map((s) => s.name)).to.deep.equal(['start', 'deny', 'allow', 'newcomer', 'relabel', 'update']);
    expect(recipe.steps[4]!.relabel).to.deep.equal([
      { pod: 'x/client', labels: { role: 'gone' } },
      { namespace: 'y', labels: { team: 'a' } },
    ]);
    expect(recipe.steps[5]!.delete).to.deep.equal(['x/deny']);
    // Every version of every policy, for listings: allow appears twice (applied, then updated).
    expect(recipe.policies.map((p) => p.metadata.name)).to.deep.equal(['deny', 'allow', 'allow']);
  });

  it('gives a recipe without steps the steps before and after', () => {
    const plain = stepped.replace(/steps:[\s\S]*?probes:/, `policies:${policy('deny', '[]').replace(/^ {4}/gm, '')}\nprobes:`).replace(/ {2}- phases: \[newcomer[\s\S]*$/, '');
    const recipe = parseRecipe(plain, 'recipes/s1-steps.yaml');
    expect(recipe.stepped).to.equal(false);
    expect(recipe.steps.map((s) => `${s.name}:${s.apply.length}`)).to.deep.equal(['before:0', 'after:1']);
    expect(planRecipe(recipe, '').probes.map((p) => `${p.id} ${p.expected}`)).to.deep.equal([
      'before x/client -> x/web tcp/80 allowed',
      'before y/client -> x/web tcp/80 allowed',
      'after x/client -> x/web tcp/80 blocked',
      'after y/client -> x/web tcp/80 blocked',
    ]);
  });

  it('judges every step by the state it leaves', () => {
    const plan = planRecipe(parseRecipe(stepped, 'recipes/s1-steps.yaml'), '');
    const expected = Object.fromEntries(plan.probes.map((p) => [p.id, p.expected]));
    expect(expected).to.deep.equal({
      'start x/client -> x/web tcp/80': 'allowed',
      'start y/client -> x/web tcp/80': 'allowed',
      'deny x/client -> x/web tcp/80': 'blocked',
      'deny y/client -> x/web tcp/80': 'blocked',
      'allow x/client -> x/web tcp/80': 'allowed',
      'allow y/client -> x/web tcp/80': 'blocked',
      'newcomer x/client -> x/web tcp/80': 'allowed',
      'newcomer y/client -> x/web tcp/80': 'blocked',
      'newcomer x/late -> x/web tcp/80': 'allowed',
      // x/client lost its label; y gained team=a, which the allow policy does not look at yet.
      'relabel x/client -> x/web tcp/80': 'blocked',
      'relabel y/client -> x/web tcp/80': 'blocked',
      'relabel x/late -> x/web tcp/80': 'allowed',
      // allow now admits namespace y only; deny is gone but allow still isolates x/web.
      'update x/client -> x/web tcp/80': 'blocked',
      'update y/client -> x/web tcp/80': 'allowed',
      'update x/late -> x/web tcp/80': 'blocked',
    });
    expect(plan.probes.map((p) => p.phase).filter((p, i, all) => all.indexOf(p) === i)).to.deep.equal(['start', 'deny', 'allow', 'newcomer', 'relabel', 'update']);
  });

  it('plans changes in deployed names, policies in force after each step, and the pods each step leaves', () => {
    const plan = planRecipe(parseRecipe(stepped, 'recipes/s1-steps.yaml'), 'r1');
    const [start, deny, allow, newcomer, relabel, update] = plan.steps;
    expect(start!.changes).to.deep.equal([]);
    expect(deny!.changes.map((c) => c.kind)).to.deep.equal(['apply']);
    expect(allow!.policies.map(policyLabel)).to.deep.equal(['x-s1-r1/deny', 'x-s1-r1/allow']);
    expect(newcomer!.changes).to.deep.equal([{ kind: 'add-pod', pod: { namespace: 'x-s1-r1', name: 'late', labels: { role: 'client' }, serve: [] } }]);
    expect(newcomer!.model.pods.map((p) => p.name)).to.deep.equal(['web', 'client', 'client', 'late']);
    expect(plan.model.pods.map((p) => p.name)).to.deep.equal(['web', 'client', 'client']);
    expect(relabel!.changes).to.deep.equal([
      { kind: 'relabel-pod', pod: 'x-s1-r1/client', labels: { role: 'gone' } },
      { kind: 'relabel-namespace', namespace: 'y-s1-r1', labels: { team: 'a', 'kubernetes.io/metadata.name': 'y-s1-r1' } },
    ]);
    expect(update!.changes.map((c) => `${c.kind} ${'policy' in c ? c.policy.metadata.name : ''}`)).to.deep.equal(['apply allow', 'delete deny']);
    // The updated policy keeps its place; its rules are the new ones.
    expect(update!.policies.map((p) => p.metadata.name)).to.deep.equal(['allow']);
    expect(JSON.stringify(update!.policies[0]!.spec)).to.contain('team');
  });

  it('plans the reset before a second try: policies deleted, labels restored, added pods removed', () => {
    const plan = planRecipe(parseRecipe(stepped, 'recipes/s1-steps.yaml'), 'r1');
    const reset = planReset(plan.model, plan.steps.at(-1)!);
    expect(reset.changes.map((c) => `${c.kind} ${'policy' in c ? c.policy.metadata.name : 'pod' in c ? (typeof c.pod === 'string' ? c.pod : c.pod.name) : c.namespace}`)).to.deep.equal([
      'delete allow',
      'relabel-namespace y-s1-r1',
      'relabel-pod x-s1-r1/client',
      'delete-pod x-s1-r1/late',
    ]);
    expect(reset.policies).to.deep.equal([]);
    expect(reset.model).to.equal(plan.model);
    expect(planReset(plan.model, plan.steps[0]!).changes).to.deep.equal([]);
  });

  it('applies and deletes Calico resources in steps: tiers first, deleted by the names listings use', () => {
    const calico = stepped.replace(/steps:[\s\S]*?probes:/, `steps:
  - name: start
  - name: tiered
    apply:
      - apiVersion: projectcalico.org/v3
        kind: NetworkPolicy
        metadata: {name: security.deny-y, namespace: x}
        spec:
          tier: security
          selector: app == 'web'
          ingress:
            - action: Deny
              source: {namespaceSelector: projectcalico.org/name == 'y'}
            - action: Pass
      - apiVersion: projectcalico.org/v3
        kind: Tier
        metadata: {name: security}
        spec: {order: 300}
  - name: untiered
    delete: [np:x/security.deny-y, tier:security]
probes:`).replace(/ {2}- phases: \[newcomer[\s\S]*$/, '');
    const recipe = parseRecipe(calico, 'recipes/s1-steps.yaml');
    const plan = planRecipe(recipe, 'r1');
    expect(plan.steps[1]!.changes.map((c) => `${c.kind} ${'policy' in c ? policyLabel(c.policy) : ''}`)).to.deep.equal([
      'apply tier:security-s1-r1',
      'apply np:x-s1-r1/security-s1-r1.deny-y',
    ]);
    expect(plan.steps[2]!.changes.map((c) => c.kind)).to.deep.equal(['delete', 'delete']);
    expect(plan.steps[2]!.policies).to.deep.equal([]);
    expect(Object.fromEntries(plan.probes.map((p) => [p.id, p.expected]))).to.deep.include({
      'tiered x/client -> x/web tcp/80': 'allowed',
      'tiered y/client -> x/web tcp/80': 'blocked',
      'untiered y/client -> x/web tcp/80': 'allowed',
    });
    // Reset: the policy before its tier.
    expect(planReset(plan.model, plan.steps[1]!).changes.map((c) => ('policy' in c ? policyLabel(c.policy) : c.kind))).to.deep.equal([
      'np:x-s1-r1/security-s1-r1.deny-y',
      'tier:security-s1-r1',
    ]);
    expect(failure((t) => t.replace('delete: [x/deny]', 'delete: [np:x/deny]'))).to.match(/policy np:x\/deny is not in force at this step \(in force: x\/deny, x\/allow;/);
  });

  it('refuses steps that cannot be carried out, naming the step and the field', () => {
    expect(failure((t) => t.replace('delete: [x/deny]', 'delete: [x/nothing]'))).to.match(
      /^recipes\/s1-steps\.yaml: steps\[5\]\.delete\[0\]: policy x\/nothing is not in force at this step \(in force: x\/deny, x\/allow; name a Kubernetes policy "namespace\/name"/,
    );
    expect(failure((t) => t.replace('delete: [x/deny]', 'delete: [deny]'))).to.match(/steps\[5\]\.delete\[0\]: policy deny is not in force at this step/);
    expect(failure((t) => t.replace('{pod: x/client, labels: {role: gone}}', '{pod: x/nobody, labels: {role: gone}}'))).to.match(
      /steps\[4\]\.relabel\[0\]\.pod: pod x\/nobody does not exist at this step/,
    );
    expect(failure((t) => t.replace('{namespace: y, labels: {team: a}}', '{namespace: z, labels: {team: a}}'))).to.match(/steps\[4\]\.relabel\[1\]\.namespace: namespace "z" is not declared/);
    expect(failure((t) => t.replace('{namespace: y, labels: {team: a}}', '{namespace: y, pod: x/web, labels: {team: a}}'))).to.match(/steps\[4\]\.relabel\[1\]: name either a pod/);
    expect(failure((t) => t.replace('name: late', 'name: client'))).to.match(/steps\[3\]\.addPods\[0\]\.name: pod x\/client already exists/);
    expect(failure((t) => t.replace('name: relabel\n', 'name: allow\n'))).to.equal('recipes/s1-steps.yaml: steps[4].name: step "allow" is declared twice');
    expect(failure((t) => t.replace('  - name: start\n', '  - name: start\n  - name: idle\n'))).to.equal(
      'recipes/s1-steps.yaml: steps[1]: a step after the first must change something (addPods, relabel, apply or delete)',
    );
    expect(failure((t) => t.replace('phases: [newcomer, relabel, update]', 'phases: [allow, relabel]'))).to.equal(
      'recipes/s1-steps.yaml: probes[1]: x/late is added by step "newcomer", after step "allow"',
    );
    expect(failure((t) => t.replace('phases: [newcomer, relabel, update]', 'phases: [later]'))).to.equal(
      'recipes/s1-steps.yaml: probes[1].phases[0]: expected the name of a step (start, deny, allow, newcomer, relabel, update), got string "later"',
    );
    expect(failure((t) => t.replace('probes:\n', `policies:${policy('deny', '[]')}\nprobes:\n`))).to.match(/^recipes\/s1-steps\.yaml: policies: a recipe with steps applies its policies in them/);
    expect(failure((t) => t.replace('steps:', 'stages:'))).to.match(/stages: unknown field/);
  });
});
