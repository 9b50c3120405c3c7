import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { InfrastructureError } from '../errors.ts';
import { KubeClient, describeKubeError, isNotFound } from './client.ts';

/** A local port nothing listens on (bound, then closed), so connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('KubeClient network errors', () => {
  let dir: string;
  let client: KubeClient;
  let port: number;

  before(async () => {
    port = await closedPort();
    dir = mkdtempSync(join(tmpdir(), 'netpol-kube-test-'));
    const path = join(dir, 'kubeconfig');
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'unused' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'c',
      }),
    );
    client = KubeClient.fromFile(path);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('names the refused connection as a network error, keeping the client error as cause', async () => {
    const error = await client.serverVersion().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(InfrastructureError);
    expect((error as Error).message).to.match(new RegExp(`GET /version failed: network error: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
    expect(describeKubeError((error as Error).cause)).to.match(/^network error: connect ECONNREFUSED/);
    expect(isNotFound(error)).to.equal(false);
  });

  it('fails a read whose connection is refused, rather than calling the object missing', async () => {
    const error = await client.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(InfrastructureError);
    expect((error as Error).message).to.match(/read Namespace x failed: network error: connect ECONNREFUSED/);
  });

  it('reports an unreachable API server as not ready rather than failing', async () => {
    expect(await client.ready()).to.equal(false);
  });
});
