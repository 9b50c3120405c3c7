import { createHash } from 'node:crypto';

/** Host-side veth name Calico's CNI plugin gives a pod: prefix + first 11 hex chars of
 * sha1("<namespace>.<pod>"). Source: libcalico-go/lib/backend/k8s/conversion/conversion.go
 * VethNameForWorkload (prefix = first entry of FELIX_INTERFACEPREFIX, default "cali"). Felix names
 * the pod's endpoint chains cali-tw-<iface> / cali-fw-<iface> from it. */
export function workloadInterfaceName(namespace: string, pod: string, prefix = 'cali'): string {
  return prefix + createHash('sha1').update(`${namespace}.${pod}`).digest('hex').slice(0, 11);
}
