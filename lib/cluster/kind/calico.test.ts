import { expect } from 'chai';
import { readiness } from './calico.ts';

const node = (name: string, ready: boolean) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const deployment = (name: string, ready: number) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 2 }, status: { readyReplicas: ready } });
const daemonSet = (desired: number, ready: number) => ({
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: { name: 'calico-node' },
  status: { desiredNumberScheduled: desired, numberReady: ready },
});

describe('cluster readiness', () => {
  it('is ready when nodes, calico-node, kube-controllers and CoreDNS are', () => {
    const state = readiness({
      nodes: [node('a', true), node('b', true)],
      calicoNode: daemonSet(2, 2),
      controllers: deployment('calico-kube-controllers', 2),
      coredns: deployment('coredns', 2),
    });
    expect(state).to.deep.equal({ ready: true, pending: [] });
  });

  it('says what is missing', () => {
    const state = readiness({ nodes: [node('a', true), node('b', false)], calicoNode: daemonSet(1, 1), coredns: deployment('coredns', 1) });
    expect(state.ready).to.equal(false);
    expect(state.pending).to.deep.equal([
      'nodes not Ready: b',
      'calico-node ready on 1/2 nodes',
      'Deployment kube-system/calico-kube-controllers missing',
      'coredns ready 1/2',
    ]);
  });
});
