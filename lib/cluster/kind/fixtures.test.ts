import { expect } from 'chai';
import { fixturePodObject, porterEnv } from './fixtures.ts';

describe('kind fixtures', () => {
  it('serves each port with porter: HTTP on TCP, an echo on UDP', () => {
    expect(
      porterEnv([
        { port: 80, protocol: 'TCP', http: true },
        { port: 81, protocol: 'TCP' },
        { port: 53, protocol: 'UDP' },
      ]),
    ).to.deep.equal({ SERVE_PORT_80: 'ok', SERVE_PORT_81: 'ok', SERVE_UDP_PORT_53: 'probe' });
  });

  it('makes a pinned, IfNotPresent pod labelled with the run id, placed when asked', () => {
    const pod = fixturePodObject(
      { namespace: 'x', name: 'a', labels: { pod: 'a' }, node: 'nc-r-worker', serve: [{ port: 80, protocol: 'TCP' }] },
      { image: 'agnhost:1', runId: 'r1' },
    ) as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { nodeName: string; containers: { image: string; imagePullPolicy: string; args: string[]; ports: unknown[] }[] };
    };
    expect(pod.metadata.labels).to.deep.equal({ pod: 'a', 'netpol-conformance.io/run-id': 'r1' });
    expect(pod.spec.nodeName).to.equal('nc-r-worker');
    const [c] = pod.spec.containers;
    expect(c).to.include({ image: 'agnhost:1', imagePullPolicy: 'IfNotPresent' });
    expect(c!.args).to.deep.equal(['porter']);
    expect(c!.ports).to.deep.equal([{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('pauses a pod that serves nothing', () => {
    const pod = fixturePodObject({ namespace: 'x', name: 'c', labels: {}, serve: [] }, { image: 'i', runId: 'r' }) as unknown as {
      spec: { nodeName?: string; containers: { args: string[] }[] };
    };
    expect(pod.spec.containers[0]!.args).to.deep.equal(['pause']);
    expect(pod.spec).not.to.have.property('nodeName');
  });
});
