import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { calicoCrdDir } from './crds.ts';
import { loadVersions } from './versions.ts';

describe('calicoCrdDir', function () {
  // Reads the Calico module through the Go module cache (downloads it when absent).
  this.timeout(180_000);

  it("finds each pinned release's crd.projectcalico.org and AdminNetworkPolicy CRDs in the module cache", async () => {
    for (const release of loadVersions().calicoGoModules.keys()) {
      const dir = await calicoCrdDir(release);
      expect(dir, release).to.match(/github\.com\/projectcalico\/calico@v0\.0\.0-\d{14}-[0-9a-f]{12}\/libcalico-go\/config\/crd$/);
      expect(readdirSync(dir), release).to.include.members([
        'crd.projectcalico.org_clusterinformations.yaml',
        'crd.projectcalico.org_tiers.yaml',
        'policy.networking.k8s.io_adminnetworkpolicies.yaml',
      ]);
    }
  });

  it('refuses a release without Go module pins', async () => {
    const error = await calicoCrdDir('v9.9.9').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(InputError);
  });
});
