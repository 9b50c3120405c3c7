// The Kubernetes API boundary: the only module that imports @kubernetes/client-node.
// Everything above talks in plain objects; errors come back as InfrastructureError with the
// client's error (FetchError for the network, ApiException with .code for HTTP) as `cause`.
import https from 'node:https';
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  FetchError,
  Health,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  VersionApi,
  Watch,
  loadYaml,
  setHeaderOptions,
} from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { InfrastructureError, messageOf } from '../errors.ts';
import { poll, retryHealable, type PollOptions } from '../lifecycle/index.ts';
import type { Labels } from '../model/types.ts';

/** A Kubernetes object as plain data (any kind). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels; annotations?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

export type WaitOptions = Pick<PollOptions, 'timeoutMs' | 'intervalMs' | 'signal' | 'failFast'>;

const fieldManager = 'netpol-conformance';

/** True when the API said 404. */
export function isNotFound(e: unknown): boolean {
  return apiCode(e) === 404;
}

function apiCode(e: unknown): number | undefined {
  if (e instanceof ApiException) return e.code;
  if (e instanceof InfrastructureError) return apiCode(e.cause);
  return undefined;
}

/** A one-line description of a client-node error: the HTTP status and message, or the network error. */
export function describeKubeError(e: unknown): string {
  if (e instanceof ApiException) {
    const body = e.body as { message?: string } | string | undefined;
    const message = typeof body === 'string' ? safeMessage(body) : body?.message;
    return `HTTP ${e.code}${message ? `: ${message}` : ''}`;
  }
  if (e instanceof FetchError) return `network error: ${e.message}`;
  return messageOf(e);
}

function safeMessage(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.slice(0, 200);
  } catch {
    return body.slice(0, 200);
  }
}

export class KubeClient {
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly apiext: ApiextensionsV1Api;

  private constructor(readonly config: KubeConfig, readonly kubeconfigPath: string) {
    this.objects = KubernetesObjectApi.makeApiClient(config);
    this.core = config.makeApiClient(CoreV1Api);
    this.apiext = config.makeApiClient(ApiextensionsV1Api);
  }

  static fromFile(path: string): KubeClient {
    const config = new KubeConfig();
    config.loadFromFile(path);
    keepConnections(config);
    return new KubeClient(config, path);
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw new InfrastructureError(`Kubernetes API: ${what} failed: ${describeKubeError(e)} (kubeconfig ${this.kubeconfigPath})`, {
        cause: e,
      });
    }
  }

  /** GET /readyz; false (not an error) while the API server is still starting. */
  async ready(): Promise<boolean> {
    try {
      return await new Health(this.config).readyz({ timeout: 2000 });
    } catch {
      return false;
    }
  }

  async serverVersion(): Promise<string> {
    const info = await this.call('GET /version', () => this.config.makeApiClient(VersionApi).getCode());
    return info.gitVersion;
  }

  /** Server-side apply (create or update), forcing ownership of the fields we set. */
  async apply<T extends KubeObject>(object: T): Promise<T> {
    if (clashesWithKubernetesType(object)) return this.applyCustomResource(object);
    return this.call(`apply ${describe(object)}`, async () =>
      (await this.objects.patch(
        typed(object),
        undefined,
        undefined,
        fieldManager,
        true,
        PatchStrategy.ServerSideApply,
      )) as T,
    );
  }

  /**
   * client-node picks its typed model by version and kind alone (util.js getSerializationType), so
   * a custom resource named like a Kubernetes type (Calico's crd.projectcalico.org/v1
   * NetworkPolicy is read as V1NetworkPolicy) would lose every field the Kubernetes type lacks.
   * The custom-objects API sends the body as it is.
   */
  private async applyCustomResource<T extends KubeObject>(object: T): Promise<T> {
    const [group = '', version = ''] = object.apiVersion.split('/');
    const target = { group, version, plural: pluralOf(object.kind), name: object.metadata.name, body: object, fieldManager, force: true };
    const options = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
    const api = this.config.makeApiClient(CustomObjectsApi);
    const namespace = object.metadata.namespace;
    return this.call(`apply ${describe(object)}`, async () =>
      (namespace === undefined
        ? await api.patchClusterCustomObject(target, options)
        : await api.patchNamespacedCustomObject({ ...target, namespace }, options)) as T,
    );
  }

  async create<T extends KubeObject>(object: T): Promise<T> {
    return this.call(`create ${describe(object)}`, async () => (await this.objects.create(typed(object))) as T);
  }

  async read<T extends KubeObject>(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<T | undefined> {
    try {
      return (await this.objects.read(object as Parameters<KubernetesObjectApi['read']>[0])) as T;
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw new InfrastructureError(`Kubernetes API: read ${describe(object)} failed: ${describeKubeError(e)}`, { cause: e });
    }
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<T[]> {
    return this.call(`list ${apiVersion} ${kind}${namespace ? ` in ${namespace}` : ''}`, async () => {
      const list = await this.objects.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return list.items as unknown as T[];
    });
  }

  /** Delete immediately (grace period 0); a missing object is not an error. */
  async delete(object: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<void> {
    try {
      await this.objects.delete(object as KubernetesObject, undefined, undefined, 0, undefined, 'Background');
    } catch (e) {
      if (isNotFound(e)) return;
      throw new InfrastructureError(`Kubernetes API: delete ${describe(object)} failed: ${describeKubeError(e)}`, { cause: e });
    }
  }

  async createNamespace(name: string, labels: Labels): Promise<void> {
    await this.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
  }

  /**
   * Delete a namespace and what the harness put in it, and wait until it is gone. Where no
   * kube-controller-manager runs (the netns provider), pass `finalize` to remove the namespace
   * finalizer once the contents are gone.
   */
  async deleteNamespace(name: string, options: WaitOptions & { finalize?: boolean }): Promise<void> {
    await this.call(`delete pods in ${name}`, () =>
      this.core.deleteCollectionNamespacedPod({ namespace: name, gracePeriodSeconds: 0 }),
    );
    for (const [apiVersion, kind] of [
      ['networking.k8s.io/v1', 'NetworkPolicy'],
      ['v1', 'Service'],
    ] as const) {
      for (const object of await this.list(apiVersion, kind, name)) await this.delete(object);
    }
    await this.delete({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    // Short pauses: a finalized namespace goes within milliseconds, and a run deletes many.
    await this.waitFor(`namespace ${name} to be gone`, { intervalMs: 50, ...options }, async () => {
      const ns = await this.read<KubeObject & { spec?: { finalizers?: string[] } }>({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
      if (ns === undefined) return true;
      if (options.finalize && (ns.spec?.finalizers ?? []).length > 0) {
        await this.call(`finalize namespace ${name}`, () =>
          this.core.replaceNamespaceFinalize({ name, body: { ...ns, spec: { finalizers: [] } } }),
        );
      }
      return undefined;
    });
  }

  /** Merge-patch a pod's status subresource (there is no kubelet to do it). */
  async patchPodStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void> {
    await this.call(`patch status of pod ${namespace}/${name}`, () =>
      this.core.patchNamespacedPodStatus(
        { namespace, name, body: { status } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      ),
    );
  }

  /** Merge-patch a node's status subresource. */
  async patchNodeStatus(name: string, status: Record<string, unknown>): Promise<void> {
    await this.call(`patch status of node ${name}`, () =>
      this.core.patchNodeStatus({ name, body: { status } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch)),
    );
  }

  /** Wait until every named CustomResourceDefinition reports condition Established. */
  async waitCrdsEstablished(names: string[], options: WaitOptions): Promise<void> {
    const pending = new Set(names);
    await this.waitFor(`CRDs established (${names.length})`, options, async () => {
      const list = await this.call('list CustomResourceDefinitions', () => this.apiext.listCustomResourceDefinition());
      for (const crd of list.items) {
        const established = crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        if (established && crd.metadata?.name) pending.delete(crd.metadata.name);
      }
      return pending.size === 0 ? true : undefined;
    }).catch((e: unknown) => {
      throw new InfrastructureError(`${messageOf(e)}; not established: ${[...pending].join(', ')}`, { cause: e });
    });
  }

  /**
   * Watch a collection (e.g. `/api/v1/namespaces/x/pods`) until `signal` fires or the server ends
   * the watch; `onEvent` gets ADDED/MODIFIED/DELETED/BOOKMARK and the object.
   */
  async watch(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    onEvent: (type: string, object: KubeObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    if (signal.aborted) return;
    await new Promise<void>((resolve, reject) => {
      let controller: AbortController | undefined;
      const stop = (): void => controller?.abort();
      signal.addEventListener('abort', stop, { once: true });
      new Watch(this.config)
        .watch(path, query, (type, object) => onEvent(type, object as KubeObject), (err: unknown) => {
          signal.removeEventListener('abort', stop);
          if (err && !signal.aborted && !(err instanceof Error && err.name === 'AbortError')) {
            reject(new InfrastructureError(`Kubernetes API: watch ${path} failed: ${describeKubeError(err)}`, { cause: err }));
          } else resolve();
        })
        .then((c) => {
          controller = c;
          if (signal.aborted) c.abort();
        }, reject);
    });
  }

  /** Poll `check` until it returns a value; errors are retried (the API server may be restarting). */
  async waitFor<T>(what: string, options: WaitOptions, check: () => Promise<T | undefined>): Promise<T> {
    return poll(what, { ...options, retryIf: retryHealable }, check);
  }
}

/**
 * client-node 1.x makes a new https.Agent for every API call, so every call opens a TCP
 * connection and does a TLS handshake (and on netns, starts the relay's processes). One
 * keep-alive agent with the same TLS settings serves every call of this client instead. Watches
 * and exec (websockets) keep their own agents.
 */
function keepConnections(config: KubeConfig): void {
  const applyAuth = config.applySecurityAuthentication.bind(config);
  let shared: https.Agent | undefined;
  config.applySecurityAuthentication = async (context) => {
    await applyAuth(context);
    const fresh = context.getAgent() as (https.Agent & { options?: https.AgentOptions }) | undefined;
    if (!fresh) return;
    shared ??= new https.Agent({ ...fresh.options, keepAlive: true });
    context.setAgent(shared);
  };
}

/**
 * client-node serializes known kinds through its typed models, which expect the models' property
 * names (xKubernetesIntOrString) and silently drop wire names (x-kubernetes-int-or-string).
 * Loading the wire object through its YAML loader converts it to the typed form first.
 */
function typed(object: KubeObject): KubernetesObject {
  return loadYaml<KubernetesObject>(JSON.stringify(object));
}

/** A custom resource (any group but Kubernetes' own) whose kind is also a Kubernetes type's. */
function clashesWithKubernetesType(object: Pick<KubeObject, 'apiVersion' | 'kind'>): boolean {
  const group = object.apiVersion.includes('/') ? object.apiVersion.split('/')[0]! : '';
  return group !== '' && !group.endsWith('.k8s.io') && KUBERNETES_KINDS.has(object.kind);
}

/** Kinds of the built-in API that a CRD group also uses (Calico's crd.projectcalico.org/v1 NetworkPolicy). */
const KUBERNETES_KINDS = new Set(['NetworkPolicy']);

/** The resource name of a kind, as CRDs spell it (networkpolicies, tiers). */
function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  return lower.endsWith('y') ? `${lower.slice(0, -1)}ies` : `${lower}s`;
}

function describe(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name}`;
}
