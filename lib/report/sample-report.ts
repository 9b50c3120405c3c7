// Constructed reports for the report layer's tests: small, readable, and with one real mismatch
// (x/c reached x/b although the policy only admits x/a) so every renderer has a failure to show.
import { beforeAfterSteps, reportSchemaVersion, summarize, type ProbeReport, type RecipeReport, type Report } from './schema.ts';

export function sampleProbe(overrides: Partial<ProbeReport> = {}): ProbeReport {
  const base: ProbeReport = {
    id: 'x/a->x/b tcp/80',
    try: 1,
    phase: 'after',
    from: 'x/a',
    to: 'x/b',
    protocol: 'tcp',
    port: 80,
    expected: 'allowed',
    expectedReason: 'ingress to x/b allowed by x/allow-a rule 0; egress from x/a not isolated',
    observed: 'allowed',
    detail: 'connected',
    verdict: 'pass',
    durationMs: 12,
    command: 'ip netns exec x-a nc -z -w 1 192.168.1.2 80',
    counters: {
      deltas: [
        { node: 'node-1', table: 'filter', chain: 'cali-pi-_allow-a', rule: '-A cali-pi-_allow-a -m set --match-set cali40s:a src -j MARK --set-xmark 0x10000/0x10000', packets: 1, bytes: 60 },
      ],
    },
    decidedBy: { chain: 'cali-pi-_allow-a', rule: '-A cali-pi-_allow-a -m set --match-set cali40s:a src -j MARK --set-xmark 0x10000/0x10000', policy: 'x/allow-a', kind: 'policy-allow' },
    ...overrides,
  };
  // JSON has no undefined: an ICMP probe simply has no port.
  if (base.port === undefined) delete base.port;
  base.id = overrides.id ?? `${base.from}->${base.to} ${base.port === undefined ? base.protocol : `${base.protocol}/${base.port}`}`;
  return base;
}

const leakRule = '-A cali-pri-kns.x -m comment --comment "<leak & drop?>" -j ACCEPT';
const dropRule = '-A cali-tw-cali1234 -m comment --comment "cali:end-of-tier" -j DROP';

/** Recipe 01: only x/a may reach x/b; x/c reaching it is the mismatch. */
export function sampleRecipe(overrides: Partial<RecipeReport> = {}): RecipeReport {
  const policies = [{ name: 'x/allow-a', yaml: 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-a\n  namespace: x\nspec:\n  podSelector:\n    matchLabels: {pod: b}\n  ingress:\n  - from:\n    - podSelector:\n        matchLabels: {pod: a}\n' }];
  return {
    id: '01',
    title: 'Allow ingress to b only from a <&>',
    source: 'https://github.com/ahmetb/kubernetes-network-policy-recipes/blob/master/02-limit-traffic-to-an-application.md',
    notes: 'Upstream recipe 02, with namespaces x.',
    policies,
    enforcement: { programmedMs: 400 },
    tries: 2,
    steps: beforeAfterSteps(2, policies, 400),
    probes: [1, 2].flatMap((t) => {
      const attempt = t as 1 | 2;
      return [
        sampleProbe({ try: attempt, phase: 'before', from: 'x/c', to: 'x/b', decidedBy: { chain: 'kns.x', rule: '-A cali-pri-kns.x -j ACCEPT', kind: 'profile-allow' } }),
        sampleProbe({ try: attempt }),
        sampleProbe({
          try: attempt,
          from: 'x/c',
          expected: 'blocked',
          expectedReason: 'ingress to x/b isolated by x/allow-a, no rule allows x/c',
          observed: 'allowed',
          detail: 'connected',
          verdict: 'fail',
          command: 'ip netns exec x-c nc -z -w 1 192.168.1.2 80',
          counters: { deltas: [{ node: 'node-1', table: 'filter', chain: 'cali-pri-kns.x', rule: leakRule, packets: 3, bytes: 180 }] },
          decidedBy: { chain: 'cali-pri-kns.x', rule: leakRule, kind: 'profile-allow' },
        }),
        sampleProbe({
          try: attempt,
          from: 'x/c',
          protocol: 'icmp',
          port: undefined,
          expected: 'blocked',
          expectedReason: 'ingress to x/b isolated by x/allow-a, no rule allows x/c',
          observed: 'blocked',
          detail: 'exit 1: 100% packet loss',
          counters: { deltas: [{ node: 'node-1', table: 'filter', chain: 'cali-tw-cali1234', rule: dropRule, packets: 1, bytes: 84 }] },
          decidedBy: { chain: 'cali-tw-cali1234', rule: dropRule, kind: 'end-of-tier-drop' },
        }),
      ];
    }),
    ...overrides,
  };
}

/** A passing recipe, so tables and counts have more than one row. */
export function passingRecipe(): RecipeReport {
  return {
    id: '02',
    title: 'Deny all ingress to b',
    source: 'https://example.test/recipes/02',
    policies: [{ name: 'x/deny-all', yaml: 'kind: NetworkPolicy\nspec:\n  podSelector: {}\n' }],
    enforcement: { programmedMs: 300 },
    tries: 1,
    steps: beforeAfterSteps(1, [{ name: 'x/deny-all', yaml: '' }], 300),
    probes: [
      sampleProbe({ expected: 'blocked', observed: 'blocked', detail: 'timeout', decidedBy: { chain: 'cali-tw-cali1234', rule: dropRule, kind: 'end-of-tier-drop' } }),
    ],
  };
}

/** A recipe with steps of its own: a deny, then an allow for x/a; the allow took its time. */
export function steppedRecipe(allowMs = 500): RecipeReport {
  const drop = { chain: 'cali-tw-cali1234', rule: dropRule, kind: 'end-of-tier-drop' as const };
  return {
    id: '03',
    title: 'Deny, then allow a, step by step',
    source: 'https://github.com/kubernetes/kubernetes/blob/v1.36.1/test/e2e/network/netpol/network_policy.go#L613 "should enforce updated policy"',
    policies: [
      { name: 'x/deny', yaml: 'kind: NetworkPolicy\n', step: 'deny' },
      { name: 'x/allow-a', yaml: 'kind: NetworkPolicy\n', step: 'allow-a' },
    ],
    enforcement: { programmedMs: allowMs },
    tries: 1,
    steps: [
      { name: 'start', try: 1, changes: [], enforcedMs: 0 },
      { name: 'deny', try: 1, changes: [{ kind: 'apply', target: 'x/deny' }], enforcedMs: 200 },
      { name: 'allow-a', try: 1, changes: [{ kind: 'apply', target: 'x/allow-a' }, { kind: 'relabel-pod', target: 'x/a', labels: { pod: 'a', role: 'client' } }], enforcedMs: allowMs },
    ],
    probes: [
      sampleProbe({ id: 'start x/a -> x/b tcp/80', phase: 'start', decidedBy: { chain: 'kns.x', rule: '-A cali-pri-kns.x -j ACCEPT', kind: 'profile-allow' } }),
      sampleProbe({ id: 'deny x/a -> x/b tcp/80', phase: 'deny', expected: 'blocked', observed: 'blocked', detail: 'dropped in flight', decidedBy: drop }),
      sampleProbe({ id: 'allow-a x/a -> x/b tcp/80', phase: 'allow-a' }),
    ],
  };
}

export function sampleReport(recipes: RecipeReport[] = [sampleRecipe(), passingRecipe()]): Report {
  return {
    schemaVersion: reportSchemaVersion,
    run: {
      id: '20260101-120000-abcd',
      provider: 'netns',
      calico: { version: 'v3.31.7', dataplane: 'iptables' },
      felix: 'v3.31.7',
      kubernetes: 'v1.34.1',
      startedAt: '2026-01-01T12:00:00.000Z',
      durationMs: 192_000,
    },
    summary: summarize(recipes),
    recipes,
  };
}
