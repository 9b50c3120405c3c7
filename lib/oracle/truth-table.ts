// TruthTable: sources (rows) x targets (columns), as Kubernetes' netpol e2e prints it. Generic over
// the cell value so the same table holds expected verdicts, observed Connectivity or a difference.
import type { Connectivity, Model, PolicyResource } from '../model/types.ts';
import { podString } from '../model/types.ts';
import { Oracle } from './evaluate.ts';
import type { Endpoint, FlowProtocol, Verdict } from './types.ts';

/** '.' allowed, 'X' blocked, '!' check failed. */
export type Mark = '.' | 'X' | '!';

export interface TruthTable<T> {
  froms: string[];
  tos: string[];
  /** values[from][to]; a missing cell means "not probed / not applicable". */
  values: Record<string, Record<string, T>>;
}

export function buildTruthTable<T>(
  froms: string[],
  tos: string[],
  cell: (from: string, to: string) => T | undefined,
): TruthTable<T> {
  const values: Record<string, Record<string, T>> = {};
  for (const from of froms) {
    const row: Record<string, T> = {};
    for (const to of tos) {
      const value = cell(from, to);
      if (value !== undefined) row[to] = value;
    }
    values[from] = row;
  }
  return { froms, tos, values };
}

export function cellOf<T>(table: TruthTable<T>, from: string, to: string): T | undefined {
  return table.values[from]?.[to];
}

/**
 * Text rendering: a header row of targets, then one row per source; columns are padded so the
 * marks line up in a monospace font. Missing cells print as `missing` (default '?').
 */
export function renderTruthTable<T>(
  table: TruthTable<T>,
  mark: (value: T) => string,
  options: { missing?: string; indent?: string } = {},
): string {
  const missing = options.missing ?? '?';
  const indent = options.indent ?? '';
  const rows = [
    ['-', ...table.tos],
    ...table.froms.map((from) => [
      from,
      ...table.tos.map((to) => {
        const value = cellOf(table, from, to);
        return value === undefined ? missing : mark(value);
      }),
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => indent + row.map((text, column) => text.padEnd(widths[column]!)).join('  ').trimEnd())
    .join('\n');
}

export function connectivityMark(connectivity: Connectivity): Mark {
  return connectivity === 'allowed' ? '.' : connectivity === 'blocked' ? 'X' : '!';
}

export function verdictMark(verdict: Verdict): Mark {
  return verdict.allowed ? '.' : 'X';
}

/** Table keys: "ns/pod" for pods, the host name for externals (which never contain '/'). */
export function endpointName(endpoint: Endpoint): string {
  return 'pod' in endpoint ? endpoint.pod : endpoint.external;
}

export function endpointOf(name: string): Endpoint {
  return name.includes('/') ? { pod: name as `${string}/${string}` } : { external: name };
}

/** Every pod, then every external host, by table key. */
export function modelEndpointNames(model: Model): string[] {
  return [...model.pods.map((p) => podString(p.namespace, p.name)), ...model.externals.map((h) => h.name)];
}

/**
 * The oracle's expectation for one protocol/port between `froms` and `tos` (default: every
 * endpoint of the model). `include` can drop cells, e.g. targets that do not serve the port.
 */
export function expectedTruthTable(
  model: Model,
  policies: readonly PolicyResource[] | Oracle,
  traffic: { protocol: FlowProtocol; port?: number },
  options: { froms?: string[]; tos?: string[]; include?: (from: string, to: string) => boolean } = {},
): TruthTable<Verdict> {
  const all = modelEndpointNames(model);
  const oracle = policies instanceof Oracle ? policies : new Oracle(model, policies);
  return buildTruthTable(options.froms ?? all, options.tos ?? all, (from, to) =>
    options.include && !options.include(from, to)
      ? undefined
      : oracle.evaluate({ from: endpointOf(from), to: endpointOf(to), ...traffic }),
  );
}
