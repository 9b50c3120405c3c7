// Groups a recipe's probes into truth tables, one per try, phase and traffic (protocol/port), as
// the console and HTML reports show them. The table type itself is the oracle's generic one.
import type { Connectivity } from '../model/types.ts';
import { buildTruthTable, type TruthTable } from '../oracle/truth-table.ts';
import type { Expectation, ProbePhase, ProbeReport, RecipeReport } from './schema.ts';

export interface ProbeTables {
  try: number;
  phase: ProbePhase;
  protocol: ProbeReport['protocol'];
  port?: number;
  /** "tcp/80", "icmp" */
  traffic: string;
  expected: TruthTable<Expectation>;
  observed: TruthTable<Connectivity>;
  /** The probes behind the cells, by "from\u0000to". */
  probes: Map<string, ProbeReport>;
  mismatches: ProbeReport[];
}

export function trafficOf(probe: Pick<ProbeReport, 'protocol' | 'port'>): string {
  return probe.port === undefined ? probe.protocol : `${probe.protocol}/${probe.port}`;
}

/** `before`/`after` of a recipe without steps read as such; any other phase is a step's name. */
export function phaseLabel(phase: ProbePhase): string {
  if (phase === 'before') return 'before policies';
  if (phase === 'after') return 'after policies';
  return `after step ${phase}`;
}

/** A cell to highlight: the observation differs from the oracle (or the verdict says fail anyway). */
export function isMismatch(probe: ProbeReport): boolean {
  return probe.observed !== probe.expected || probe.verdict === 'fail';
}

const cellKey = (from: string, to: string): string => `${from}\u0000${to}`;

/** Tables in the order their first probe appears; rows and columns in first-seen order too. */
export function probeTables(recipe: RecipeReport): ProbeTables[] {
  const groups = new Map<string, ProbeReport[]>();
  for (const probe of recipe.probes) {
    const key = [probe.try, probe.phase, trafficOf(probe)].join(' ');
    groups.set(key, [...(groups.get(key) ?? []), probe]);
  }
  return [...groups.values()].map((probes) => {
    const first = probes[0]!;
    const byCell = new Map(probes.map((p) => [cellKey(p.from, p.to), p]));
    const froms = unique(probes.map((p) => p.from));
    const tos = unique(probes.map((p) => p.to));
    const pick = <T>(value: (p: ProbeReport) => T) => (from: string, to: string) => {
      const probe = byCell.get(cellKey(from, to));
      return probe === undefined ? undefined : value(probe);
    };
    return {
      try: first.try,
      phase: first.phase,
      protocol: first.protocol,
      ...(first.port === undefined ? {} : { port: first.port }),
      traffic: trafficOf(first),
      expected: buildTruthTable(froms, tos, pick((p) => p.expected)),
      observed: buildTruthTable(froms, tos, pick((p) => p.observed)),
      probes: byCell,
      mismatches: probes.filter(isMismatch),
    };
  });
}

export function probeAt(tables: ProbeTables, from: string, to: string): ProbeReport | undefined {
  return tables.probes.get(cellKey(from, to));
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
