// Pod exec and pod logs through client-node (lib/kube stays the only importer of client-node).
// Added for the kind provider, whose probes run through the pod exec API.
import { Writable } from 'node:stream';
import { CoreV1Api, Exec } from '@kubernetes/client-node';
import type { V1Status } from '@kubernetes/client-node';
import { CancelledError, InfrastructureError } from '../errors.ts';
import { describeKubeError, type KubeClient } from './client.ts';

export interface PodExecOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface PodExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
}

/** Exit code from the exec status: 0 on Success, the ExitCode cause on NonZeroExitCode. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0;
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
  const code = cause?.message === undefined ? NaN : Number(cause.message);
  return Number.isInteger(code) ? code : -1;
}

/** Run argv in a pod's container and collect its output and exit status. */
export async function execInPod(
  client: KubeClient,
  pod: { namespace: string; name: string; container: string },
  argv: string[],
  options: PodExecOptions,
): Promise<PodExecResult> {
  const started = Date.now();
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void): Writable =>
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        append(chunk.toString());
        callback();
      },
    });
  return new Promise<PodExecResult>((resolve, reject) => {
    let socket: { close(): void } | undefined;
    let settled = false;
    const finish = (result: PodExecResult | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket?.close();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(
      () => finish({ exitCode: -1, stdout, stderr, durationMs: Date.now() - started, timedOut: true }),
      options.timeoutMs,
    );
    const onAbort = (): void => finish(new CancelledError(`exec in ${pod.namespace}/${pod.name}: cancelled`));
    if (options.signal?.aborted) return onAbort();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    new Exec(client.config)
      .exec(pod.namespace, pod.name, pod.container, argv, sink((s) => (stdout += s)), sink((s) => (stderr += s)), null, false, (status) =>
        // The status frame arrives before the last output frames are flushed; let them land.
        setImmediate(() => finish({ exitCode: exitCodeOf(status), stdout, stderr, durationMs: Date.now() - started, timedOut: false })),
      )
      .then(
        (ws) => {
          socket = ws;
          if (settled) ws.close();
        },
        (e: unknown) =>
          finish(new InfrastructureError(`exec in ${pod.namespace}/${pod.name} (${argv.join(' ')}) failed: ${describeKubeError(e)}`, { cause: e })),
      );
  });
}

/** The last lines of a container's log, or a note saying why there is none. */
export async function podLogTail(client: KubeClient, namespace: string, name: string, container: string, lines = 20): Promise<string> {
  try {
    return await client.config.makeApiClient(CoreV1Api).readNamespacedPodLog({ name, namespace, container, tailLines: lines });
  } catch (e) {
    return `(no log: ${describeKubeError(e)})`;
  }
}
