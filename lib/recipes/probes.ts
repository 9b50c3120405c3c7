// Probe matrices -> the explicit list of probes a recipe runs.
import type { IpFamily } from '../model/types.ts';
import type { ProbeMatrix, ProbeSpec, Recipe } from './types.ts';

/**
 * The stable id of a probe: "after default/client -> default/web http/80" (ICMP has no port);
 * an IPv6 probe ends in " IPv6".
 */
export function probeKey(probe: Omit<ProbeSpec, 'id' | 'family'> & { family?: IpFamily }): string {
  const what = probe.port === undefined ? probe.protocol : `${probe.protocol}/${probe.port}`;
  return `${probe.phase} ${probe.from} -> ${probe.to} ${what}${probe.family === 'IPv6' ? ' IPv6' : ''}`;
}

/**
 * phases x from x to x protocols x ports x families, in that order. ICMP takes no port, so it
 * appears once per pair whatever the ports; a source probing itself is skipped (loopback is not
 * policy). `families` are the cluster's: the matrix's own list is cut down to them.
 */
export function expandMatrix(matrix: ProbeMatrix, families: readonly IpFamily[] = ['IPv4']): ProbeSpec[] {
  const probes: ProbeSpec[] = [];
  const over = matrix.families ? families.filter((f) => matrix.families!.includes(f)) : families;
  for (const phase of matrix.phases) {
    for (const from of matrix.from) {
      for (const to of matrix.to) {
        if (from === to) continue;
        for (const protocol of matrix.protocols) {
          const ports = protocol === 'icmp' ? [undefined] : matrix.ports;
          for (const port of ports) {
            for (const family of over) {
              const spec = port === undefined ? { phase, from, to, protocol, family } : { phase, from, to, protocol, port, family };
              probes.push({ id: probeKey(spec), ...spec });
            }
          }
        }
      }
    }
  }
  return probes;
}

/** All probes of a recipe over `families`, each once (matrices may overlap), in the order of its steps. */
export function expandProbes(recipe: Pick<Recipe, 'probes' | 'steps'>, families: readonly IpFamily[] = ['IPv4']): ProbeSpec[] {
  const byId = new Map<string, ProbeSpec>();
  for (const probe of recipe.probes.flatMap((m) => expandMatrix(m, families))) {
    if (!byId.has(probe.id)) byId.set(probe.id, probe);
  }
  const all = [...byId.values()];
  return recipe.steps.flatMap((step) => all.filter((p) => p.phase === step.name));
}
