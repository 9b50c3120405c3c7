// The scenario file read by `netpol-conformance expect`: fixtures plus the policies to evaluate.
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.ts';
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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError(`${path}: cannot read the scenario file (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  return parseScenario(text, path);
}

export function parseScenario(text: string, file: string): Scenario {
  const root = new Location(file);
  const object = readObject(parseYamlDocument(text, file), root, SCENARIO_KEYS);
  if (!isAbsent(object.schemaVersion) && readInteger(object.schemaVersion, root.key('schemaVersion')) !== SCENARIO_SCHEMA_VERSION) {
    root.key('schemaVersion').fail(`unsupported schemaVersion ${String(object.schemaVersion)}; this harness reads version ${SCENARIO_SCHEMA_VERSION}`);
  }
  const model = parseModel(object, root);
  const policiesAt = root.key('policies');
  const policies = isAbsent(object.policies)
    ? []
    : readList(object.policies, policiesAt).map((entry, i) => validatePolicyResource(entry, policiesAt.index(i)));
  checkPolicyReferences(model, policies, root);
  return { schemaVersion: SCENARIO_SCHEMA_VERSION, file, model, policies };
}
