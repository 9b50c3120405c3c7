// Users can point the harness at binaries they already have instead of building them.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { PrerequisiteError } from '../errors.ts';
import type { Component } from './cache.ts';

export const overrideVariables: Record<Component, string> = {
  'kube-apiserver': 'NETPOL_KUBE_APISERVER',
  'kube-controller-manager': 'NETPOL_KUBE_CONTROLLER_MANAGER',
  'kube-scheduler': 'NETPOL_KUBE_SCHEDULER',
  'kube-proxy': 'NETPOL_KUBE_PROXY',
  kubelet: 'NETPOL_KUBELET',
  kubeadm: 'NETPOL_KUBEADM',
  kubectl: 'NETPOL_KUBECTL',
  etcd: 'NETPOL_ETCD',
  felix: 'NETPOL_FELIX',
  agnhost: 'NETPOL_AGNHOST',
};

/**
 * The binary named by the component's environment variable, or undefined when it is unset.
 * Throws a one-line PrerequisiteError when the variable names something that cannot be run.
 */
export async function overrideBinary(component: Component, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const variable = overrideVariables[component];
  const path = env[variable];
  if (path === undefined || path === '') return undefined;
  const absolute = resolve(path);
  const problem = await whyNotExecutable(absolute);
  if (problem) throw new PrerequisiteError(`${variable}=${path}: ${problem}; unset it to build ${component} from its pinned Go module`);
  return absolute;
}

async function whyNotExecutable(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isFile()) return 'not a regular file';
  } catch {
    return 'no such file';
  }
  try {
    await access(path, constants.X_OK);
  } catch {
    return 'not executable';
  }
  return undefined;
}

/** True when `path` is an executable regular file. */
export async function isExecutableFile(path: string): Promise<boolean> {
  return (await whyNotExecutable(path)) === undefined;
}
