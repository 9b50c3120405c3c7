// What this machine makes a kind node need beyond kind's defaults, read from the host (see
// docs/kind.md "Hosts kind nodes need help on"):
// - cgroup v1: the kubelet of Kubernetes 1.35+ refuses to start on cgroup v1 unless its
//   KubeletConfiguration says failCgroupV1: false (k8s.io/kubelet config/v1beta1 FailCgroupV1).
// - a capability bounding set without CAP_SYS_RESOURCE: containerd asks runc for a negative
//   oom_score_adj for every sandbox, which fails ("can't get final child's PID from pipe"); its
//   CRI option restrict_oom_score_adj clamps the score to containerd's own instead.
// Each adaptation is applied only when the host needs it and is recorded in the report.
import { existsSync, readFileSync } from 'node:fs';

export interface HostFacts {
  cgroupV1: boolean;
  /** Capabilities missing from this process's bounding set, by name. */
  missingCapabilities: string[];
}

export interface HostAdaptations {
  kubeadmConfigPatches: string[];
  containerdConfigPatches: string[];
  changes: string[];
}

const CAP_SYS_RESOURCE = 24;

export function readHostFacts(): HostFacts {
  const status = readFileSync('/proc/self/status', 'utf8');
  const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? 'ffffffffff'}`);
  return {
    cgroupV1: !existsSync('/sys/fs/cgroup/cgroup.controllers'),
    missingCapabilities: (bounding & (1n << BigInt(CAP_SYS_RESOURCE))) === 0n ? ['CAP_SYS_RESOURCE'] : [],
  };
}

/** Pure: kind config patches for a host. */
export function hostAdaptations(facts: HostFacts): HostAdaptations {
  const out: HostAdaptations = { kubeadmConfigPatches: [], containerdConfigPatches: [], changes: [] };
  if (facts.cgroupV1) {
    out.kubeadmConfigPatches.push('kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nfailCgroupV1: false\n');
    out.changes.push('kubelet failCgroupV1: false (the host runs cgroup v1, which kubelet 1.35+ refuses by default)');
  }
  if (facts.missingCapabilities.includes('CAP_SYS_RESOURCE')) {
    // kind's base image ships a version 2 containerd config; kind merges a patch only into a
    // file of the same version, so both spellings are given (containerd 2.x's own is version 3).
    out.containerdConfigPatches.push('version = 2\n[plugins."io.containerd.grpc.v1.cri"]\n  restrict_oom_score_adj = true\n');
    out.containerdConfigPatches.push('version = 3\n[plugins."io.containerd.cri.v1.runtime"]\n  restrict_oom_score_adj = true\n');
    out.changes.push('containerd restrict_oom_score_adj = true (the host\'s capability bounding set lacks CAP_SYS_RESOURCE, so negative OOM scores cannot be set)');
  }
  return out;
}
