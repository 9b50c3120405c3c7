// Probe matrices -> the explicit list of probes a recipe runs.
import type { ProbeMatrix, ProbeSpec, Recipe } from './types.ts';

/** The stable id of a probe: "after default/client -> default/web http/80" (ICMP has no port). */
export function probeKey(probe: Omit<ProbeSpec, 'id'>): string {
  const what = probe.port === undefined ? probe.protocol : `${probe.protocol}/${probe.port}`;
  return `${probe.phase} ${probe.from} -> ${probe.to} ${what}`;
}

/**
 * phases x from x to x protocols x ports, in that order. ICMP takes no port, so it appears once
 * per pair whatever the ports; a source probing itself is skipped (loopback is not policy).
 */
export function expandMatrix(matrix: ProbeMatrix): ProbeSpec[] {
  const probes: ProbeSpec[] = [];
  for (const phase of matrix.phases) {
    for (const from of matrix.from) {
      for (const to of matrix.to) {
        if (from === to) continue;
        for (const protocol of matrix.protocols) {
          const ports = protocol === 'icmp' ? [undefined] : matrix.ports;
          for (const port of ports) {
            const spec = port === undefined ? { phase, from, to, protocol } : { phase, from, to, protocol, port };
            probes.push({ id: probeKey(spec), ...spec });
          }
        }
      }
    }
  }
  return probes;
}

/** All probes of a recipe, each once (matrices may overlap), in the order of its steps. */
export function expandProbes(recipe: Pick<Recipe, 'probes' | 'steps'>): ProbeSpec[] {
  const byId = new Map<string, ProbeSpec>();
  for (const probe of recipe.probes.flatMap(expandMatrix)) {
    if (!byId.has(probe.id)) byId.set(probe.id, probe);
  }
  const all = [...byId.values()];
  return recipe.steps.flatMap((step) => all.filter((p) => p.phase === step.name));
}
