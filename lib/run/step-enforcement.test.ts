// Step enforcement read from real felix v3.32.1 rules and IP sets (testdata/capture-steps.ts):
// one policy through every kind of change. Each step's own capture reflects it; the capture of
// the step before does not, and the check says what is missing.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIpSets, parseTableRead } from '../counters/index.ts';
import type { CounterBackend, CounterSnapshot, IpSets } from '../counters/index.ts';
import { parseRecipe, planRecipe } from '../recipes/index.ts';
import { checkStep, needsIpSets, updatedPolicies, type StepState, type StepView } from './step-enforcement.ts';

const read = (name: string): string => readFileSync(fileURLToPath(new URL(`testdata/${name}`, import.meta.url)), 'utf8');

for (const dataplane of ['iptables-nft', 'nftables'] as const satisfies readonly CounterBackend[]) {
  describe(`step enforcement read from felix v3.32.1 rules and IP sets (${dataplane})`, () => {
    const prefix = `felix-v3.32.1-${dataplane}-steps`;
    const ext = dataplane === 'nftables' ? 'json' : 'txt';
    const meta = JSON.parse(read(`${prefix}.meta.json`)) as { nodes: string[]; pods: Record<string, { ip: string; node: string }> };
    const recipe = parseRecipe(read('steps-capture.yaml'), 'steps-capture.yaml');
    const plan = planRecipe(recipe, '', { pods: Object.fromEntries(Object.entries(meta.pods).map(([pod, p]) => [pod, p.ip])) });
    const index = (name: string): number => plan.steps.findIndex((s) => s.name === name);
    const podNodes = new Map(Object.entries(meta.pods).map(([pod, p]) => [pod, p.node]));
    const rules = (step: string): Map<string, CounterSnapshot> =>
      new Map(meta.nodes.map((node) => [node, parseTableRead(dataplane, read(`${prefix}.${step}.${node}.rules.${ext}`))]));
    const sets = (step: string): Map<string, IpSets> => new Map(meta.nodes.map((node) => [node, parseIpSets(dataplane, read(`${prefix}.${step}.${node}.ipsets.${ext}`))]));
    /** The nodes as captured after step `seen`, with the rules before the change as captured after step `before`. */
    const view = (seen: string, before: string): StepView => ({ podNodes, snapshots: rules(seen), calicoVersion: 'v3.32.1', before: rules(before), ipSets: sets(seen) });
    const state = (name: string): StepState => {
      const i = index(name);
      const step = plan.steps[i]!;
      const applied = step.changes.flatMap((c) => (c.kind === 'apply' ? [c.policy] : []));
      return { model: step.model, policies: step.policies, known: plan.policies, updated: updatedPolicies(plan.steps[i - 1]?.policies ?? [], applied) };
    };
    const x = 'x/allow-b';

    it('finds every step reflected in what felix wrote after it', () => {
      plan.steps.forEach((step, i) => {
        expect(checkStep(state(step.name), view(step.name, plan.steps[i - 1]?.name ?? 'deleted')), step.name).to.deep.equal([]);
      });
    });

    it('needs the IP sets only while a policy matches peers by selector', () => {
      expect(needsIpSets(state('applied').policies)).to.equal(true);
      expect(needsIpSets(state('deleted').policies)).to.equal(false);
    });

    it('sees an applied policy missing until the selected pod reaches it', () => {
      expect(checkStep(state('applied'), view('deleted', 'deleted'))).to.deep.equal([
        `ingress of x/a on node-0 does not reach ${x}`,
        'ingress of x/a on node-0 has tiers [], the oracle expects [default]',
      ]);
    });

    it('sees a namespace relabel only in the IP set of the namespaceSelector', () => {
      expect(checkStep(state('relabel-namespace'), view('applied', 'applied'))).to.deep.equal([
        `ingress IP sets of ${x} on node-0 hold {192.168.0.3} {192.168.1.2}; its peers select {192.168.1.2} {}`,
      ]);
    });

    it('sees a peer pod relabel only in the IP set of the podSelector', () => {
      expect(checkStep(state('relabel-peer'), view('relabel-namespace', 'relabel-namespace'))).to.deep.equal([
        `ingress IP sets of ${x} on node-0 hold {192.168.1.2} {}; its peers select {}`,
      ]);
    });

    it('sees an update that changes no selector in the policy chain\'s rules', () => {
      expect(checkStep(state('updated'), view('relabel-peer', 'relabel-peer'))).to.deep.equal([`${x} on node-0 still has the rules it had before the update`]);
    });

    it('sees a pod relabelled out of a policy while its chain still reaches it', () => {
      expect(checkStep(state('relabel-target'), view('updated', 'updated'))).to.deep.equal([`ingress of x/a on node-0 still reaches ${x}`]);
    });

    it('sees a deleted policy while an endpoint chain still reaches it', () => {
      expect(checkStep(state('deleted'), view('relabel-target-back', 'relabel-target-back'))).to.deep.equal([`ingress of x/a on node-0 still reaches ${x}`]);
    });
  });
}
