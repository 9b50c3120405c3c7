import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderAll } from './generate.ts';
import {
  calicoReplaces,
  compareGoVersions,
  goModDrift,
  kubernetesStagingReplaces,
  parseGoMod,
  renderKubernetesModule,
  stagingVersion,
} from './gomod.ts';
import { upstreamDir } from './recipes.ts';
import { loadVersions } from './versions.ts';

const kubernetesGoMod = `// header comment
module k8s.io/kubernetes

go 1.26.0

require (
	github.com/foo/bar v1.2.3
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0 // indirect
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go // a comment
	github.com/foo/bar => github.com/fork/bar v1.2.4
)
replace example.com/x v1.0.0 => ../x
`;

const calicoGoMod = `module github.com/projectcalico/calico

go 1.24.9

require github.com/projectcalico/api v0.0.0-20220722155641-439a754a988b

replace (
	github.com/projectcalico/api => ./api
	github.com/projectcalico/calico/lib/std => ./lib/std
	gopkg.in/natefinch/lumberjack.v2 => gopkg.in/natefinch/lumberjack.v2 v2.0.0
	k8s.io/api => k8s.io/api v0.33.5
)
`;
const pins = { calico: 'v0.0.0-20251021213802-b1f3c43f8437', api: 'v0.0.0-20251022175904-f2ab03771208' };

describe('upstream go.mod generation', () => {
  it('parses module, go, requires (block, comments) and replaces (block and single line)', () => {
    const mod = parseGoMod(kubernetesGoMod);
    expect(mod.module).to.equal('k8s.io/kubernetes');
    expect(mod.go).to.equal('1.26.0');
    expect(mod.requires.get('k8s.io/client-go')).to.equal('v0.0.0');
    expect(mod.replaces).to.deep.include({ from: 'k8s.io/client-go', to: './staging/src/k8s.io/client-go' });
    expect(mod.replaces).to.deep.include({ from: 'example.com/x', fromVersion: 'v1.0.0', to: '../x' });
  });

  it('replaces exactly the ./staging modules with their v0.Y.Z tags', () => {
    const replaces = kubernetesStagingReplaces(parseGoMod(kubernetesGoMod), 'v1.36.1');
    expect(replaces).to.deep.equal([
      { from: 'k8s.io/api', to: 'k8s.io/api', toVersion: 'v0.36.1' },
      { from: 'k8s.io/client-go', to: 'k8s.io/client-go', toVersion: 'v0.36.1' },
    ]);
  });

  it('maps Kubernetes v1.Y.Z to staging v0.Y.Z and rejects anything else', () => {
    expect(stagingVersion('v1.35.4')).to.equal('v0.35.4');
    expect(() => stagingVersion('v2.0.0')).to.throw(/v1\.Y\.Z/);
  });

  it('renders a Kubernetes wrapper that requires the release and builds kube-apiserver and agnhost', () => {
    const files = renderKubernetesModule('v1.36.1', parseGoMod(kubernetesGoMod));
    expect(files.goMod).to.contain('\tk8s.io/kubernetes v1.36.1\n');
    expect(files.goMod).to.contain('\tk8s.io/api => k8s.io/api v0.36.1\n');
    expect(files.goMod).not.to.contain('fork/bar');
    expect(files.toolsGo).to.contain('_ "k8s.io/kubernetes/cmd/kube-apiserver"');
    expect(files.toolsGo).to.contain('//go:build tools');
  });

  it("turns Calico's local replaces into pinned ones and keeps the rest", () => {
    const replaces = calicoReplaces(parseGoMod(calicoGoMod), pins);
    expect(replaces.map((r) => r.from)).not.to.include('github.com/projectcalico/api');
    expect(replaces).to.deep.include({ from: 'github.com/projectcalico/calico/lib/std', to: 'github.com/projectcalico/calico/lib/std', toVersion: pins.calico });
    expect(replaces).to.deep.include({ from: 'k8s.io/api', to: 'k8s.io/api', toVersion: 'v0.33.5' });
    const unknown = calicoGoMod.replace('./lib/std', './somewhere').replace('calico/lib/std', 'other/thing');
    expect(() => calicoReplaces(parseGoMod(unknown), pins)).to.throw(/does not know/);
  });

  it('reports drift in pinned requires, replaces and a lowered go line, and none after tidy adds requires', () => {
    const rendered = renderKubernetesModule('v1.36.1', parseGoMod(kubernetesGoMod)).goMod;
    const tidied = rendered.replace('go 1.26.0', 'go 1.26.1') + 'require example.com/indirect v1.0.0 // indirect\n';
    expect(goModDrift(rendered, tidied)).to.deep.equal([]);
    const bumped = renderKubernetesModule('v1.36.3', parseGoMod(kubernetesGoMod)).goMod;
    expect(goModDrift(bumped, rendered)).to.include.members([
      'require k8s.io/kubernetes: want v1.36.3, have v1.36.1',
      'replace missing: k8s.io/api => k8s.io/api v0.36.3',
      'replace not generated: k8s.io/api => k8s.io/api v0.36.1',
    ]);
    expect(goModDrift(rendered, rendered.replace('go 1.26.0', 'go 1.25'))).to.deep.equal(['go: want 1.26.0 or newer, have 1.25']);
  });

  it('orders Go versions numerically', () => {
    expect(compareGoVersions('1.24.10', '1.24.9')).to.be.greaterThan(0);
    expect(compareGoVersions('1.26', '1.26.0')).to.equal(0);
  });

  describe('committed wrapper modules', function () {
    // Reads the upstream go.mod files through the Go module cache (downloads them when absent).
    this.timeout(180_000);

    it('agree with versions.json (run `npm run gen:upstream` when this fails)', async () => {
      const modules = await renderAll(loadVersions());
      for (const files of modules) {
        const dir = join(upstreamDir, files.dir);
        expect(existsSync(join(dir, 'go.mod')), `${files.dir}/go.mod exists`).to.equal(true);
        expect(goModDrift(files.goMod, readFileSync(join(dir, 'go.mod'), 'utf8')), `${files.dir}/go.mod`).to.deep.equal([]);
        expect(readFileSync(join(dir, 'tools.go'), 'utf8'), `${files.dir}/tools.go`).to.equal(files.toolsGo);
        expect(readFileSync(join(dir, 'go.sum'), 'utf8'), `${files.dir}/go.sum`).to.match(/ h1:/);
      }
      const dirs = readdirSync(upstreamDir).filter((d) => !d.startsWith('.') && !d.endsWith('.md'));
      expect(dirs.sort(), 'no wrapper module without a pin').to.deep.equal(modules.map((m) => m.dir).sort());
    });
  });
});
