// The scenario file read by `netpol-conformance expect`: fixtures plus the policies to evaluate.
import { readInputFile } from '../input-file.ts';
import type { Model, PolicyResource } from '../model/types.ts';
import { isAbsent, readInteger, readList, readObject } from './fields.ts';
import { parseModel } from './fixtures.ts';
import { Location } from './location.ts';
import { validatePolicyResource } from './policy-resource.ts';
import { checkPolicyReferences } from './references.ts';
import { parseYamlDocument } from './yaml-document.ts';

export const SCENARIO_SCHEMA_VERSION = 1;

export interface Scenario {
  schemaVersion: typeof SCENARIO_SCHEMA_VERSION;
  /** The file it was read from, as given; error messages and reports name it. */
  file: string;
  model: Model;
  /** Kubernetes NetworkPolicies and Calico resources, as the file lists them. */
  policies: PolicyResource[];
}

const SCENARIO_KEYS = ['schemaVersion', 'namespaces', 'serviceAccounts', 'pods', 'externals', 'policies'];

export async function loadScenario(path: string): Promise<Scenario> {
  return parseScenario(readInputFile(path, 'scenario'), path);
}

export function parseScenario(text: string, file: string): Scenario {
  const root = new Location(file);
  const object = readObject(parseYamlDocument(text, file), root, SCENARIO_KEYS);
  if (!isAbsent(object.schemaVersion) && readInteger(object.schemaVersion, root.key('schemaVersion')) !== SCENARIO_SCHEMA_VERSION) {
    root.key('schemaVersion').fail(`unsupported schemaVersion ${String(object.schemaVersion)}; this harness reads version ${SCENARIO_SCHEMA_VERSION}`);
  }
  checkCounts(object, root, scenarioLimits);
  const model = parseModel(object, root);
  const policiesAt = root.key('policies');
  const policies = isAbsent(object.policies)
    ? []
    : readList(object.policies, policiesAt).map((entry, i) => validatePolicyResource(entry, policiesAt.index(i)));
  checkPolicyReferences(model, policies, root);
  return { schemaVersion: SCENARIO_SCHEMA_VERSION, file, model, policies };
}

/** Bounded so parsing and the oracle stay within memory; docs/scenario.md, "Limits", has the measurements. */
export const scenarioLimits = { namespaces: 10_000, serviceAccounts: 10_000, pods: 10_000, externals: 1_000, policies: 5_000 } as const;

/** Refuses lists longer than `limits` before any entry is validated. Shared with recipes. */
export function checkCounts(object: Record<string, unknown>, root: Location, limits: Partial<Record<string, number>>): void {
  for (const [key, limit] of Object.entries(limits)) {
    const list = object[key];
    if (limit !== undefined && Array.isArray(list) && list.length > limit) {
      root.key(key).fail(`${list.length} entries; at most ${limit} are allowed`);
    }
  }
}
