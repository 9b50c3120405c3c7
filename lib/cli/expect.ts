// `netpol-conformance expect <scenario.yaml> [--json]`: what the NetworkPolicy oracle says a
// scenario's policies allow, as truth tables or as one JSON object.
import type { Model, PortProtocol } from '../model/types.ts';
import { podString } from '../model/types.ts';
import { endpointOf, evaluate, expectedTruthTable, modelEndpointNames, renderTruthTable, verdictMark } from '../oracle/index.ts';
import type { FlowProtocol } from '../oracle/index.ts';
import { loadScenario, type Scenario } from '../scenario/index.ts';
import { expectPositionals } from './args.ts';
import type { Command } from './main.ts';

const usage = `usage: netpol-conformance expect <scenario.yaml> [--json]

Evaluates the scenario's NetworkPolicies with the oracle and prints, per protocol and port that
some pod declares, a truth table (rows = from, columns = to): '.' allowed, 'X' blocked,
'-' not applicable (the same endpoint, or a target that does not serve that port). An ICMP
table follows. Pods are "ns/pod"; external hosts appear by name.

  --json   one JSON object on stdout:
           {"results": [{"from", "to", "protocol", "port", "allowed", "reason"}, ...]}
           one entry per ordered pair of different endpoints and per port the target serves;
           a pod serves the ports it declares; an external host, having no declared ports, is
           probed on every protocol/port some pod declares. External-to-external pairs are
           left out (they never touch the cluster). ICMP is in the tables only.

The scenario format and the oracle's semantics: docs/scenario.md (examples in examples/). Exit 0 on
success, 2 when the file is missing or invalid.`;

export interface Expectation {
  from: string;
  to: string;
  protocol: PortProtocol;
  port: number;
  allowed: boolean;
  reason: string;
}

interface Traffic {
  protocol: PortProtocol;
  port: number;
}

const options = { json: { type: 'boolean' } } as const;

export const command: Command<typeof options> = {
  summary: "print what a scenario file's policies allow, from the NetworkPolicy oracle",
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('expect', positionals, 1, 1, 'one scenario file');
    const scenario = await loadScenario(positionals[0]!);
    const text = values.json === true ? JSON.stringify({ results: expectations(scenario) }, null, 2) + '\n' : renderTables(scenario);
    await writeOut(text);
    return 0;
  },
};

/** Every pod-involving ordered pair of different endpoints, on every port the target serves. */
export function expectations(scenario: Scenario): Expectation[] {
  const { model, policies } = scenario;
  const results: Expectation[] = [];
  for (const from of modelEndpointNames(model)) {
    for (const to of modelEndpointNames(model)) {
      if (!applies(model, from, to)) continue;
      for (const traffic of servedTraffic(model, to)) {
        const verdict = evaluate(model, policies, { from: endpointOf(from), to: endpointOf(to), ...traffic });
        results.push({ from, to, ...traffic, allowed: verdict.allowed, reason: verdict.reason });
      }
    }
  }
  return results;
}

export function renderTables(scenario: Scenario): string {
  const { model, policies } = scenario;
  const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
  const lines = [
    `${scenario.file}: ${count(model.pods.length, 'pod')}, ${count(model.externals.length, 'external host')}, ${count(policies.length, 'policy', 'policies')}`,
    "rows = from, columns = to; '.' allowed, 'X' blocked, '-' not applicable",
  ];
  const tables: { title: string; protocol: FlowProtocol; port?: number }[] = [
    ...declaredTraffic(model).map((t) => ({ title: `${t.protocol}/${t.port}`, ...t })),
    { title: 'ICMP', protocol: 'ICMP' },
  ];
  for (const { title, protocol, port } of tables) {
    const table = expectedTruthTable(model, policies, { protocol, port }, {
      include: (from, to) =>
        applies(model, from, to) &&
        (port === undefined || servedTraffic(model, to).some((t) => t.protocol === protocol && t.port === port)),
    });
    lines.push('', title, renderTruthTable(table, verdictMark, { missing: '-' }));
  }
  return lines.join('\n') + '\n';
}

/** Different endpoints, at least one of them a pod: traffic between two outside hosts is not ours. */
function applies(model: Model, from: string, to: string): boolean {
  return from !== to && (endpointIsPod(from) || endpointIsPod(to));
}

function endpointIsPod(name: string): boolean {
  return 'pod' in endpointOf(name);
}

/** Ports a pod declares; for an external host, every port any pod declares. */
function servedTraffic(model: Model, name: string): Traffic[] {
  const pod = model.pods.find((p) => podString(p.namespace, p.name) === name);
  return pod ? sortTraffic(pod.ports.map(({ protocol, port }) => ({ protocol, port }))) : declaredTraffic(model);
}

function declaredTraffic(model: Model): Traffic[] {
  return sortTraffic(model.pods.flatMap((pod) => pod.ports.map(({ protocol, port }) => ({ protocol, port }))));
}

const PROTOCOL_ORDER: PortProtocol[] = ['TCP', 'UDP', 'SCTP'];

function sortTraffic(traffic: Traffic[]): Traffic[] {
  const unique = new Map(traffic.map((t) => [`${t.protocol}/${t.port}`, t]));
  return [...unique.values()].sort(
    (a, b) => PROTOCOL_ORDER.indexOf(a.protocol) - PROTOCOL_ORDER.indexOf(b.protocol) || a.port - b.port,
  );
}

/** Resolves once stdout has taken the text: the CLI exits right after, which would cut a pipe short. */
function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
}
