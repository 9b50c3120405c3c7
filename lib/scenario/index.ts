// The scenario file and the validators recipes reuse for their own YAML.
export { parseScenario, loadScenario, checkCounts, scenarioLimits, SCENARIO_SCHEMA_VERSION } from './scenario.ts';
export { checkPolicyReferences } from './references.ts';
export { validatePolicyResource } from './policy-resource.ts';
export { validateCalicoResource, readSelectorText, parseSelectorAt, BUILT_IN_TIERS, DEFAULT_TIER_ORDER, TIER_LABEL, CALICO_API_VERSIONS } from './calico-policy.ts';
export type { Scenario } from './scenario.ts';
export { validateNetworkPolicy, PORT_PROTOCOLS } from './network-policy.ts';
export type { NetworkPolicyOptions } from './network-policy.ts';
export { parseModel, parseNamespaces, parsePods, parseContainerPorts, parseExternals, parseServiceAccounts } from './fixtures.ts';
export { readLabels, readLabelSelector } from './labels.ts';
export { Location } from './location.ts';
export { parseYamlDocument, yamlLineOf } from './yaml-document.ts';
export { isAbsent, readObject, readList, readString, readInteger, readStringMap, required } from './fields.ts';
