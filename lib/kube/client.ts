// The Kubernetes API boundary: the only module that imports @kubernetes/client-node.
// Everything above talks in plain objects; errors come back as InfrastructureError with the
// client's error as `cause`: ApiException with .code for HTTP, and for the network undici's
// TypeError('fetch failed') whose own cause is the socket or TLS error.
import {
  ApiException,
  ApiextensionsV1Api,
  CoreV1Api,
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

/** What `setLabels` relabels. */
export type LabelTarget = { kind: 'Namespace'; name: string } | { kind: 'Pod'; namespace: string; name: string };

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
  const network = networkCause(e);
  if (network !== undefined) return `network error: ${messageOf(network)}`;
  return messageOf(e);
}

/**
 * The socket or TLS error behind a failed request: client-node 2 fetches through undici, whose
 * fetch rejects with TypeError('fetch failed') and the error that broke the request as `cause`.
 * KubernetesObjectApi prefixes that TypeError's message with the resource it was looking up.
 */
function networkCause(e: unknown): unknown {
  if (e instanceof TypeError && e.message.endsWith('fetch failed')) return e.cause ?? e;
  return undefined;
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
      return await new Health(this.config).readyz({ signal: AbortSignal.timeout(2000) });
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
      // A list's items come without apiVersion and kind, which a delete needs.
      for (const object of await this.list(apiVersion, kind, name)) await this.delete({ apiVersion, kind, metadata: object.metadata });
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

  /**
   * Replaces every label of a namespace or pod with `labels` (one JSON patch: keys left out are
   * removed). The API server keeps a namespace's kubernetes.io/metadata.name whatever is sent.
   */
  async setLabels(target: LabelTarget, labels: Labels): Promise<void> {
    const body = [{ op: 'add', path: '/metadata/labels', value: labels }];
    const patch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
    if (target.kind === 'Namespace') {
      await this.call(`set labels of namespace ${target.name}`, () => this.core.patchNamespace({ name: target.name, body }, patch));
    } else {
      await this.call(`set labels of pod ${target.namespace}/${target.name}`, () =>
        this.core.patchNamespacedPod({ namespace: target.namespace, name: target.name, body }, patch),
      );
    }
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
   * Watch a collection (e.g. `/api/v1/namespaces/x/pods`) until `signal` fires or the watch ends;
   * `onEvent` gets ADDED/MODIFIED/DELETED/BOOKMARK and the object. A watch ends when the server
   * closes it or when nothing arrives for 30 s (client-node's inactivity timeout, a TimeoutError):
   * either way the caller lists and watches again, as an informer does.
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
          if (err && !signal.aborted && !(err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
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
 * client-node makes a new undici Agent (dispatcher) for every API call (KubeConfig
 * applySecurityAuthentication -> createDispatcher), so every call opens a TCP connection and does
 * a TLS handshake (and on netns, starts the relay's processes). The first one, with this
 * kubeconfig's TLS settings, serves every later call of this client instead, keeping its
 * connections alive. Watches and exec (websockets) keep their own.
 */
function keepConnections(config: KubeConfig): void {
  const applyAuth = config.applySecurityAuthentication.bind(config);
  let shared: ReturnType<Parameters<typeof applyAuth>[0]['getDispatcher']>;
  config.applySecurityAuthentication = async (context) => {
    await applyAuth(context);
    const fresh = context.getDispatcher();
    if (!fresh) return;
    shared ??= fresh;
    context.setDispatcher(shared);
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

function describe(object: Pick<KubeObject, 'kind' | 'metadata'>): string {
  const ns = object.metadata.namespace;
  return `${object.kind} ${ns ? `${ns}/` : ''}${object.metadata.name}`;
}
