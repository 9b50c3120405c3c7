import { expect } from 'chai';
import type { Cluster, ClusterHealth } from '../cluster/provider.ts';
import { InfrastructureError } from '../errors.ts';
import { brokenFor, failFastOnBrokenCluster, healthNote } from './cluster-health.ts';

function clusterWith(health: ClusterHealth | undefined): Cluster {
  return (health === undefined ? {} : { health: () => health }) as unknown as Cluster;
}

describe('cluster health for verdicts', () => {
  const felixDied = 'felix-node-0: signal SIGKILL; last log lines: starting (log felix-node-0.log)';
  const apiRestarted = 'kube-apiserver: signal SIGKILL, restarted';

  it('calls the cluster broken while a component is dead for good, and names it', () => {
    expect(brokenFor(clusterWith({ failed: [felixDied], restarted: [] }))).to.equal(`the cluster is broken: ${felixDied}`);
    expect(brokenFor(clusterWith({ failed: [], restarted: [apiRestarted] }))).to.equal(undefined);
    expect(brokenFor(clusterWith(undefined)), 'a provider that cannot tell').to.equal(undefined);
    expect(failFastOnBrokenCluster(clusterWith({ failed: [felixDied], restarted: [] }))).to.throw(InfrastructureError, /felix-node-0: signal SIGKILL/);
    expect(failFastOnBrokenCluster(clusterWith({ failed: [], restarted: [] }))).to.not.throw();
  });

  it('adds deaths and restarts to an infrastructure error, and nothing when there were none', () => {
    expect(healthNote(clusterWith({ failed: [felixDied], restarted: [apiRestarted] }))).to.equal(`; the cluster: ${felixDied}; ${apiRestarted}`);
    expect(healthNote(clusterWith({ failed: [], restarted: [] }))).to.equal('');
  });
});
