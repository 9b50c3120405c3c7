// How each component is built: which wrapper module, which package, which version stamp.
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import type { Component } from './cache.ts';
import { calicoDir, etcdServerModule, felixPackage, kubernetesPackages } from './gomod.ts';
import { calicoPins, repoRoot, type UpstreamVersions } from './versions.ts';

export const upstreamDir = join(repoRoot, 'clusters', 'netns', 'upstream');

export interface BuildRecipe {
  component: Component;
  version: string;
  /** Wrapper module directory (absolute). */
  moduleDir: string;
  goPackage: string;
  ldflags: string[];
}

/** The version a component gets when the caller names none. */
export function defaultVersion(component: Component, versions: UpstreamVersions): string {
  switch (component) {
    case 'kube-apiserver':
    case 'kube-controller-manager':
    case 'kube-scheduler':
    case 'kube-proxy':
    case 'kubelet':
    case 'kubeadm':
    case 'kubectl':
    case 'agnhost':
      return versions.kubernetes;
    case 'etcd':
      return versions.etcd;
    case 'felix':
      return versions.calicoDefault;
  }
}

/** Pure: the build for a component at a version; InputError when versions.json does not pin it. */
export function buildRecipe(component: Component, version: string, versions: UpstreamVersions): BuildRecipe {
  const strip = ['-s', '-w'];
  const only = (pinned: string, what: string): void => {
    if (version !== pinned) {
      throw new InputError(`${component} ${version} is not pinned: versions.json pins ${what} ${pinned}; change it there and run npm run gen:upstream`);
    }
  };
  switch (component) {
    case 'kube-apiserver':
    case 'kube-controller-manager':
    case 'kube-scheduler':
    case 'kube-proxy':
    case 'kubelet':
    case 'kubeadm':
    case 'kubectl': {
      only(versions.kubernetes, 'kubernetes');
      const [major, minor] = version.slice(1).split('.');
      // Stamped as Kubernetes' hack/lib/version.sh does: kubeadm compares its own version with
      // the cluster's, and every command reports it.
      const v = 'k8s.io/component-base/version';
      return {
        component,
        version,
        moduleDir: join(upstreamDir, 'kubernetes'),
        goPackage: `k8s.io/kubernetes/cmd/${component}`,
        ldflags: [...strip, `-X ${v}.gitVersion=${version}`, `-X ${v}.gitMajor=${major}`, `-X ${v}.gitMinor=${minor}`, `-X ${v}.gitTreeState=clean`],
      };
    }
    case 'agnhost':
      // agnhost is versioned with the Kubernetes tree it is built from.
      only(versions.kubernetes, 'kubernetes (agnhost is built from it)');
      return { component, version, moduleDir: join(upstreamDir, 'kubernetes'), goPackage: kubernetesPackages.agnhost, ldflags: strip };
    case 'etcd':
      // etcd's version is a constant in go.etcd.io/etcd/api/v3/version: nothing to stamp.
      only(versions.etcd, 'etcd');
      return { component, version, moduleDir: join(upstreamDir, 'etcd'), goPackage: etcdServerModule, ldflags: strip };
    case 'felix': {
      const pins = calicoPins(versions, version);
      // As Calico's Makefiles stamp it: pkg/buildinfo.Version from v3.31 (lib.Makefile),
      // felix/buildinfo.GitVersion before (felix/Makefile). The linker ignores the one that does
      // not exist. The date is the commit's, so builds are reproducible.
      const [, stamp, commit] = /(\d{14})-([0-9a-f]{12})$/.exec(pins.calico) ?? [];
      const date = isoDate(stamp ?? '');
      const stamps = [
        ['github.com/projectcalico/calico/pkg/buildinfo', 'Version'],
        ['github.com/projectcalico/calico/felix/buildinfo', 'GitVersion'],
      ].flatMap(([pkg, versionVar]) => [`-X ${pkg}.${versionVar}=${version}`, `-X ${pkg}.GitRevision=${commit}`, `-X ${pkg}.BuildDate=${date}`]);
      return { component, version, moduleDir: join(upstreamDir, calicoDir(version)), goPackage: felixPackage, ldflags: [...strip, ...stamps] };
    }
  }
}

/** 20251021213802 -> 2025-10-21T21:38:02Z */
function isoDate(stamp: string): string {
  const m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(stamp);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z` : 'unknown';
}
