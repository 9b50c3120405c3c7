// Where built upstream binaries live: outside the repo, one file per component and version.
import { rmdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Kubernetes commands built from the Kubernetes wrapper module at versions.json's release: the
 * control plane the netns provider runs, and the kind node image's kubelet, kubeadm and images. */
export const kubernetesComponents = [
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kube-proxy',
  'kubelet',
  'kubeadm',
  'kubectl',
] as const;
export type KubernetesComponent = (typeof kubernetesComponents)[number];

export type Component = KubernetesComponent | 'etcd' | 'felix' | 'agnhost';
export const components: readonly Component[] = [...kubernetesComponents, 'etcd', 'felix', 'agnhost'];

/** The file name each component's binary gets in the cache. */
export const binaryNames: Record<Component, string> = {
  ...(Object.fromEntries(kubernetesComponents.map((c) => [c, c])) as Record<KubernetesComponent, string>),
  etcd: 'etcd',
  felix: 'calico-felix',
  agnhost: 'agnhost',
};

/** `$NETPOL_CONFORMANCE_CACHE`, else `${XDG_CACHE_HOME:-~/.cache}/netpol-conformance`. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.NETPOL_CONFORMANCE_CACHE) return resolve(env.NETPOL_CONFORMANCE_CACHE);
  const xdg = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(env.HOME ?? homedir(), '.cache');
  return join(xdg, 'netpol-conformance');
}

/** `<cache>/bin/<component>/<version>/<binary>`. */
export function cachedBinaryPath(component: Component, version: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!/^v[0-9A-Za-z.+-]+$/.test(version)) throw new Error(`not a version: ${JSON.stringify(version)}`);
  return join(cacheRoot(env), 'bin', component, version, binaryNames[component]);
}

/**
 * Undoes `mkdir(leaf, {recursive: true})` after a failed build: removes `leaf` and its parents up
 * to `created` (what mkdir returned: the first directory it made), each only while empty, so a
 * failed first build leaves no empty folders in the cache.
 */
export async function removeCreatedDirs(leaf: string, created: string | undefined): Promise<void> {
  if (created === undefined) return;
  for (let dir = resolve(leaf); dir.startsWith(resolve(created)); dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === resolve(created)) return;
  }
}
