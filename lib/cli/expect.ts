// `netpol-conformance expect <scenario.yaml> [--json] [--from ...] [--to ...]`: what the oracle
// says a scenario's policies (Kubernetes and Calico) allow, as truth tables, a summary for
// cluster-sized scenarios, or one JSON object written as it is computed.
import { isKubernetesNetworkPolicy } from '../model/types.ts';
import { isCalicoTier } from '../model/calico.ts';
import { Oracle, buildTruthTable, renderTruthTable, verdictMark } from '../oracle/index.ts';
import type { FlowProtocol, ResolvedEndpoint } from '../oracle/index.ts';
import { declaredTraffic, forEachExpectation, pairApplies, selectEndpoints, servedTraffic } from '../oracle/expectations.ts';
import { loadScenario, type Scenario } from '../scenario/index.ts';
import { expectPositionals } from './args.ts';
import type { Command } from './main.ts';

const usage = `usage: netpol-conformance expect <scenario.yaml> [--json] [--from <endpoints>] [--to <endpoints>]

Evaluates the scenario's policies (Kubernetes NetworkPolicies and Calico tiers, network policies
and global network policies) with the oracle and prints, per protocol and port that some pod
declares, a truth table (rows = from, columns = to): '.' allowed, 'X' blocked, '-' not
applicable (the same endpoint, or a target that does not serve that port). An ICMP (ping) table
follows. Pods are "ns/pod"; external hosts appear by name. With more than ${60} sources or
targets, the tables become counts per protocol/port and a table of namespaces.

  --from <endpoints>  only these sources; --to <endpoints> only these targets. A comma-separated
                      list of "ns/pod", "ns/*" (every pod of a namespace), "*", or external hosts.
  --json              one JSON object on stdout, written as it is computed:
                      {"results": [{"from", "to", "protocol", "port", "allowed", "reason"}, ...]}
                      one entry per ordered pair of different endpoints and per port the target
                      serves; a pod serves the ports it declares; an external host, having no
                      declared ports, is probed on every protocol/port some pod declares.
                      External-to-external pairs are left out. ICMP is in the tables only.

The scenario format and the oracle's semantics: docs/scenario.md (examples in examples/). Exit 0 on
success, 2 when the file is missing or invalid.`;

/** Above this many sources or targets, tables are summarised. */
const MAX_TABLE_ENDPOINTS = 60;

const options = { json: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' } } as const;

export const command: Command<typeof options> = {
  summary: "print what a scenario file's policies allow, from the oracle",
  usage,
  options,
  async run({ values, positionals }) {
    expectPositionals('expect', positionals, 1, 1, 'one scenario file');
    const scenario = await loadScenario(positionals[0]!);
    const oracle = new Oracle(scenario.model, scenario.policies);
    const froms = selectEndpoints(oracle, values.from, 'from');
    const tos = selectEndpoints(oracle, values.to, 'to');
    const out = new StdoutStream();
    if (values.json === true) await writeJson(out, oracle, froms, tos);
    else await writeTables(out, scenario, oracle, froms, tos);
    await out.end();
    return 0;
  },
};

/** Buffers writes into large chunks and waits for stdout to drain, so output of any size streams. */
class StdoutStream {
  private buffer = '';

  /** Buffers; call `drain()` now and then so the buffer goes out. */
  add(text: string): void {
    this.buffer += text;
  }

  async write(text: string): Promise<void> {
    this.buffer += text;
    await this.drain();
  }

  /** Writes the buffer once it is large, waiting for stdout when it is a slow pipe. */
  async drain(): Promise<void> {
    if (this.buffer.length >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = '';
    if (chunk === '' || process.stdout.write(chunk)) return;
    await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
  }

  /** Resolves once stdout has taken everything: the CLI exits right after, which would cut a pipe short. */
  async end(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => process.stdout.write('', (e) => (e ? reject(e) : resolve())));
  }
}

async function writeJson(out: StdoutStream, oracle: Oracle, froms: ResolvedEndpoint[], tos: ResolvedEndpoint[]): Promise<void> {
  const names = new Map<ResolvedEndpoint, string>();
  const nameOf = (endpoint: ResolvedEndpoint): string => {
    let name = names.get(endpoint);
    if (name === undefined) names.set(endpoint, (name = JSON.stringify(endpoint.name)));
    return name;
  };
  await out.write('{"results": [');
  const quote = oracle.reasonsArePlain() ? (text: string) => `"${text}"` : (text: string) => JSON.stringify(text);
  let separator = '\n';
  await forEachExpectation(
    oracle,
    froms,
    tos,
    (from, to, traffic, verdict) => {
      out.add(`${separator}{"from":${nameOf(from)},"to":${nameOf(to)},"protocol":"${traffic.protocol}","port":${traffic.port},"allowed":${verdict.allowed},"reason":${quote(verdict.reason)}}`);
      separator = ',\n';
    },
    () => out.drain(),
  );
  await out.write(separator === '\n' ? ']}\n' : '\n]}\n');
}

async function writeTables(out: StdoutStream, scenario: Scenario, oracle: Oracle, froms: ResolvedEndpoint[], tos: ResolvedEndpoint[]): Promise<void> {
  await out.write(header(scenario));
  const tables: { title: string; protocol: FlowProtocol; port?: number }[] = [
    ...declaredTraffic(scenario.model).map((t) => ({ title: `${t.protocol}/${t.port}`, ...t })),
    { title: 'ICMP', protocol: 'ICMP' },
  ];
  const model = scenario.model;
  const declared = declaredTraffic(model);
  const served = new Map(tos.map((to) => [to, new Set(servedTraffic(model, to, declared).map((t) => `${t.protocol}/${t.port}`))]));
  const serves = (to: ResolvedEndpoint, protocol: FlowProtocol, port: number | undefined): boolean => port === undefined || served.get(to)!.has(`${protocol}/${port}`);
  if (froms.length <= MAX_TABLE_ENDPOINTS && tos.length <= MAX_TABLE_ENDPOINTS) {
    await out.write("rows = from, columns = to; '.' allowed, 'X' blocked, '-' not applicable\n");
    for (const { title, protocol, port } of tables) {
      const table = buildTruthTable(
        froms.map((e) => e.name),
        tos.map((e) => e.name),
        (fromName, toName) => {
          const from = froms.find((e) => e.name === fromName)!;
          const to = tos.find((e) => e.name === toName)!;
          return pairApplies(from, to) && serves(to, protocol, port) ? oracle.evaluateResolved(from, to, { protocol, ...(port !== undefined ? { port } : {}) }) : undefined;
        },
      );
      await out.write(`\n${title}\n${renderTruthTable(table, verdictMark, { missing: '-' })}\n`);
    }
    return;
  }
  await out.write(
    `${froms.length} sources x ${tos.length} targets is too many to print pod by pod: counts per protocol/port follow, with a table of namespaces ` +
      "(rows = from, columns = to; '.' every pair allowed, 'X' every pair blocked, '~' some of each, '-' none). " +
      'Use --from and --to (e.g. --from ns/* --to ns/pod) for pod tables.\n',
  );
  for (const { title, protocol, port } of tables) {
    await out.write(`\n${summarise(title, froms, tos, (from, to) => (serves(to, protocol, port) ? oracle.allows(from, to, { protocol, ...(port !== undefined ? { port } : {}) }) : undefined))}\n`);
  }
}

function header(scenario: Scenario): string {
  const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  const { model, policies } = scenario;
  const kubernetes = policies.filter(isKubernetesNetworkPolicy).length;
  const tiers = policies.filter(isCalicoTier).length;
  const calico = policies.length - kubernetes - tiers;
  const policyCount = count(kubernetes + calico, 'policy', 'policies') + (calico > 0 ? ` (${calico} of them Calico)` : '');
  const parts = [count(model.pods.length, 'pod'), count(model.externals.length, 'external host'), policyCount];
  if (tiers > 0) parts.push(count(tiers, 'tier'));
  return `${scenario.file}: ${parts.join(', ')}\n`;
}

/** Counts for one protocol/port and a namespace-by-namespace table of the verdicts. */
function summarise(
  title: string,
  froms: ResolvedEndpoint[],
  tos: ResolvedEndpoint[],
  allowedOf: (from: ResolvedEndpoint, to: ResolvedEndpoint) => boolean | undefined,
): string {
  const group = (e: ResolvedEndpoint): string => (e.kind === 'pod' ? e.pod.namespace : '(external)');
  const fromGroups = [...new Set(froms.map(group))];
  const toGroups = [...new Set(tos.map(group))];
  const cells = new Map<string, { allowed: number; blocked: number }>();
  let allowed = 0;
  let blocked = 0;
  for (const from of froms) {
    for (const to of tos) {
      if (!pairApplies(from, to)) continue;
      const verdict = allowedOf(from, to);
      if (verdict === undefined) continue;
      const key = `${group(from)}\u0000${group(to)}`;
      const cell = cells.get(key) ?? { allowed: 0, blocked: 0 };
      if (verdict) {
        cell.allowed++;
        allowed++;
      } else {
        cell.blocked++;
        blocked++;
      }
      cells.set(key, cell);
    }
  }
  const table = buildTruthTable(fromGroups, toGroups, (from, to) => cells.get(`${from}\u0000${to}`));
  const mark = (cell: { allowed: number; blocked: number }): string => (cell.blocked === 0 ? '.' : cell.allowed === 0 ? 'X' : '~');
  const n = (value: number): string => value.toLocaleString('en-US');
  return `${title}: ${n(allowed + blocked)} pairs, ${n(allowed)} allowed, ${n(blocked)} blocked\n${renderTruthTable(table, mark, { missing: '-' })}`;
}
