// What one policy resource alone cannot check, against the whole scenario (or recipe): its
// namespace exists, its name is unique, the tier it names is declared, the named ports it uses
// are declared by some pod, and every endpoint has an IP when an ipBlock or nets matches by IP.
import { excerpt } from '../errors.ts';
import type { CalicoPolicy, CalicoPort } from '../model/calico.ts';
import { isCalicoTier, isGlobalKind } from '../model/calico.ts';
import type { Model, NetworkPolicy, PodSpec, PolicyResource } from '../model/types.ts';
import { isKubernetesNetworkPolicy } from '../model/types.ts';
import type { Location } from './location.ts';

/** `root` is the mapping that holds `pods`, `externals` and `policies` (a scenario or a recipe). */
export function checkPolicyReferences(model: Model, policies: readonly PolicyResource[], root: Location): void {
  const at = root.key('policies');
  const seen = new Set<string>();
  const tiers = new Set(['default', ...policies.filter(isCalicoTier).map((t) => t.metadata.name)]);
  policies.forEach((policy, i) => {
    const here = at.index(i);
    const namespace = isCalicoTier(policy) || (!isKubernetesNetworkPolicy(policy) && isGlobalKind(policy.kind)) ? undefined : policy.metadata.namespace;
    if (namespace !== undefined && !model.namespaces.some((ns) => ns.name === namespace)) {
      here.key('metadata').key('namespace').fail(`namespace ${excerpt(namespace)} is not declared in namespaces`);
    }
    const key = `${identity(policy)} ${namespace ?? ''}/${policy.metadata.name}`;
    if (seen.has(key)) here.key('metadata').key('name').fail(`duplicate ${key.split(' ')[0]!.replace('-', ' ')} ${namespace ? `${namespace}/` : ''}${policy.metadata.name}`);
    seen.add(key);
    if (isKubernetesNetworkPolicy(policy)) {
      checkKubernetesNamedPorts(model.pods, policy, here);
    } else if (!isCalicoTier(policy)) {
      const tier = policy.spec.tier ?? 'default';
      if (!tiers.has(tier)) here.key('spec').key('tier').fail(`tier ${excerpt(tier)} is not declared: add a projectcalico.org/v3 Tier named ${excerpt(tier)} to policies`);
      checkCalicoNamedPorts(model.pods, policy, here);
    }
  });
  const byAddress = firstAddressMatch(policies, at);
  if (byAddress) {
    const needsIp = [
      ...model.pods.map((pod, i) => ({ ip: pod.ip, at: root.key('pods').index(i).key('ip') })),
      ...model.externals.map((host, i) => ({ ip: host.ip, at: root.key('externals').index(i).key('ip') })),
    ].find((endpoint) => endpoint.ip === undefined);
    if (needsIp) needsIp.at.fail(`required because ${byAddress.path} matches endpoints by IP`);
  }
}

/** Kinds that share a name space: Calico's and Kubernetes' NetworkPolicy are different objects. */
function identity(policy: PolicyResource): string {
  if (isKubernetesNetworkPolicy(policy)) return 'NetworkPolicy';
  return policy.kind === 'NetworkPolicy' ? 'Calico-NetworkPolicy' : policy.kind;
}

function checkKubernetesNamedPorts(pods: PodSpec[], policy: NetworkPolicy, here: Location): void {
  for (const direction of ['ingress', 'egress'] as const) {
    (policy.spec[direction] ?? []).forEach((rule, r) => {
      (rule.ports ?? []).forEach((port, p) => {
        if (typeof port.port !== 'string') return;
        const protocol = port.protocol ?? 'TCP';
        const declared = pods.some((pod) => pod.ports.some((c) => c.name === port.port && c.protocol === protocol));
        if (!declared) here.key('spec').key(direction).index(r).key('ports').index(p).key('port').fail(`named port ${excerpt(port.port)} (${protocol}) is not declared by any pod`);
      });
    });
  }
}

function checkCalicoNamedPorts(pods: PodSpec[], policy: CalicoPolicy, here: Location): void {
  for (const direction of ['ingress', 'egress'] as const) {
    (policy.spec[direction] ?? []).forEach((rule, r) => {
      for (const field of ['ports', 'notPorts'] as const) {
        (rule.destination?.[field] ?? []).forEach((port: CalicoPort, p) => {
          if (typeof port !== 'string' || /^\d+(:\d+)?$/.test(port)) return;
          const declared = pods.some((pod) => pod.ports.some((c) => c.name === port && (rule.protocol === undefined || c.protocol === rule.protocol)));
          if (!declared) {
            here.key('spec').key(direction).index(r).key('destination').key(field).index(p).fail(`named port ${excerpt(port)} is not declared by any pod${rule.protocol === undefined ? '' : ` with protocol ${String(rule.protocol)}`}`);
          }
        });
      }
    });
  }
}

/** Where the first ipBlock or nets/notNets is: matching by address needs every endpoint's IP. */
function firstAddressMatch(policies: readonly PolicyResource[], at: Location): Location | undefined {
  for (const [i, policy] of policies.entries()) {
    if (isCalicoTier(policy)) continue;
    if (isKubernetesNetworkPolicy(policy)) {
      for (const [r, rule] of (policy.spec.ingress ?? []).entries()) {
        const p = (rule.from ?? []).findIndex((peer) => peer.ipBlock);
        if (p !== -1) return at.index(i).key('spec').key('ingress').index(r).key('from').index(p).key('ipBlock');
      }
      for (const [r, rule] of (policy.spec.egress ?? []).entries()) {
        const p = (rule.to ?? []).findIndex((peer) => peer.ipBlock);
        if (p !== -1) return at.index(i).key('spec').key('egress').index(r).key('to').index(p).key('ipBlock');
      }
      continue;
    }
    for (const direction of ['ingress', 'egress'] as const) {
      for (const [r, rule] of (policy.spec[direction] ?? []).entries()) {
        for (const side of ['source', 'destination'] as const) {
          const field = (['nets', 'notNets'] as const).find((f) => (rule[side]?.[f] ?? []).length > 0);
          if (field) return at.index(i).key('spec').key(direction).index(r).key(side).key(field);
        }
      }
    }
  }
  return undefined;
}
