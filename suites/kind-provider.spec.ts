// The kind provider against what this machine really has: kind's own config code and the real
// kind binary, a real dockerd (Debian's docker.io, started by .ci/setup) and locally built images.
// A whole kind cluster cannot start here (no registry for the node and Calico images; see
// docs/kind.md), so the cluster-level paths are exercised piece by piece.
import { expect } from 'chai';
import { execa } from 'execa';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError, PrerequisiteError } from '../lib/errors.ts';
import { createLogger } from '../lib/log.ts';
import { parseIptablesSave, parseNftJson } from '../lib/counters/index.ts';
import { sweepKind } from '../lib/cluster/kind/clean.ts';
import { KindCluster } from '../lib/cluster/kind/cluster.ts';
import { kindConfig, renderKindConfig, type KubeProxyMode } from '../lib/cluster/kind/config.ts';
import {
  createNetwork,
  docker,
  ensureImage,
  execInContainer,
  kindClusterLabel,
  labels,
  listLabelled,
  runLabels,
  startExternalHost,
  type StartedExternalHost,
} from '../lib/cluster/kind/docker.ts';
import { KindCli } from '../lib/cluster/kind/kind-cli.ts';
import { ChecksumMismatchError, fetchCalicoManifest, sha256Hex } from '../lib/cluster/kind/manifest.ts';
import { loadKindPins, manifestPin, type ManifestPin } from '../lib/cluster/kind/pins.ts';
import { ensureTool } from '../lib/cluster/kind/tools.ts';
import { stringify } from 'yaml';

const log = createLogger('test:kind');
const pins = loadKindPins();
const runId = `t${randomBytes(3).toString('hex')}`;
const clusterName = `nc-${runId}`;

describe('kind provider (real kind code, real dockerd, local images)', function () {
  this.timeout(600_000);
  let work: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'nc-kind-spec-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  describe('generated configs, loaded by kind\'s own code', () => {
    let validator: string;
    before(async function () {
      this.timeout(900_000);
      validator = await ensureTool('kind-validate', { log });
    });

    const variants: { mode: KubeProxyMode; workers?: number; mirror?: string }[] = [
      { mode: 'iptables' },
      { mode: 'nftables' },
      { mode: 'ipvs', workers: 0 },
      { mode: 'iptables', workers: 3, mirror: 'http://mirror.local:5000' },
    ];

    it('accepts every generated variant (strict decoding, defaulting, Validate())', async () => {
      const files: string[] = [];
      for (const [i, v] of variants.entries()) {
        const file = join(work, `config-${i}.yaml`);
        await writeFile(
          file,
          renderKindConfig({
            clusterName,
            runId,
            nodeImage: pins.nodeImage,
            kubeProxyMode: v.mode,
            ...(v.workers !== undefined ? { workers: v.workers } : {}),
            ...(v.mirror ? { containerdMirror: v.mirror } : {}),
          }),
        );
        files.push(file);
      }
      const result = await execa(validator, files, { reject: false });
      expect(result.exitCode, result.stdout).to.equal(0);
      expect(result.stdout).to.contain(`ok ${files[1]}: 2 nodes, kubeProxyMode nftables, podSubnet 192.168.0.0/16, disableDefaultCNI true`);
      expect(result.stdout).to.contain(`ok ${files[2]}: 1 nodes, kubeProxyMode ipvs`);
    });

    it('rejects what kind rejects: an unknown field, a bad proxy mode, a bad subnet', async () => {
      const base = kindConfig({ clusterName, runId, nodeImage: pins.nodeImage, kubeProxyMode: 'iptables' });
      const broken = [
        { ...base, networkin: {} },
        { ...base, networking: { ...(base.networking as object), kubeProxyMode: 'userspace' } },
        { ...base, networking: { ...(base.networking as object), podSubnet: '192.168.0.0/33' } },
      ];
      const files = await Promise.all(
        broken.map(async (config, i) => {
          const file = join(work, `broken-${i}.yaml`);
          await writeFile(file, stringify(config));
          return file;
        }),
      );
      const result = await execa(validator, files, { reject: false });
      expect(result.exitCode).to.equal(1);
      expect(result.stdout).to.match(/invalid .*broken-0\.yaml: .*field networkin not found/);
      expect(result.stdout).to.match(/invalid .*broken-1\.yaml: .*invalid kubeProxyMode: userspace/);
      expect(result.stdout).to.match(/invalid .*broken-2\.yaml: .*/);
      expect(result.stdout).not.to.match(/^ok /m);
    });
  });

  describe('Calico manifest pinning', () => {
    let server: Server;
    let base: string;
    const body = 'kind: ConfigMap\napiVersion: v1\nmetadata: {name: stand-in-for-calico.yaml}\n';
    before(async () => {
      server = createServer((req, res) => {
        if (req.url === '/calico.yaml') res.end(body);
        else res.writeHead(404).end('not found');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => server.close());

    const pin = (sha256: string | undefined): ManifestPin => ({ calicoVersion: 'v0.0.1', file: 'calico.yaml', url: `${base}/calico.yaml`, sha256, goModule: undefined });
    const env = (): NodeJS.ProcessEnv => ({ ...process.env, NETPOL_CONFORMANCE_CACHE: join(work, 'cache') });

    it('downloads, verifies and caches a manifest whose sha256 matches', async () => {
      const fetched = await fetchCalicoManifest(pin(sha256Hex(body)), { url: `${base}/calico.yaml`, env: env() });
      expect(fetched.text).to.equal(body);
      expect(await readFile(join(work, 'cache', 'calico', 'v0.0.1', 'manifests', 'calico.yaml'), 'utf8')).to.equal(body);
    });

    it('refuses a download whose sha256 differs, in one line naming both digests', async () => {
      const expected = 'f'.repeat(64);
      const error = await fetchCalicoManifest(pin(expected), { url: `${base}/calico.yaml`, env: env() }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).to.be.instanceOf(ChecksumMismatchError);
      expect(error!.message).to.equal(
        `Calico v0.0.1 calico.yaml from ${base}/calico.yaml: sha256 mismatch, expected ${expected} but got ${sha256Hex(body)}; refusing to use it`,
      );
    });

    it('refuses a tampered cached copy', async () => {
      await writeFile(join(work, 'cache', 'calico', 'v0.0.1', 'manifests', 'calico.yaml'), body + '# edited\n');
      const error = await fetchCalicoManifest(pin(sha256Hex(body)), { env: env() }).then(() => undefined, (e: unknown) => e as Error);
      expect(error).to.be.instanceOf(ChecksumMismatchError);
      expect(error!.message).to.contain('cache/calico/v0.0.1/manifests/calico.yaml: sha256 mismatch');
    });

    it('refuses a release whose sha256 is still a TODO, and says how to pin it', async () => {
      const error = await fetchCalicoManifest(pin(undefined), { env: env() }).then(() => undefined, (e: unknown) => e as Error);
      expect(error).to.be.instanceOf(InputError);
      expect(error!.message).to.contain('no pinned sha256').and.contain('sha256sum');
    });

    it('reports an unreachable URL as a download failure, not a checksum one', async () => {
      const error = await fetchCalicoManifest(pin(sha256Hex(body)), { url: `${base}/missing.yaml`, env: env() }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error!.message).to.contain('download of').and.contain('HTTP 404');
    });

    it('verifies the real Calico manifest from the Go module cache when the netns build fetched it', async function () {
      const withModule = [...pins.manifests.values()].find((p) => p.goModule && p.sha256);
      const modCache = (await execa('go', ['env', 'GOMODCACHE'], { reject: false })).stdout.trim();
      const path = withModule && join(modCache, 'github.com/projectcalico', `calico@${withModule.goModule}`, 'manifests/calico.yaml');
      if (!path || !(await readFile(path).then(() => true, () => false))) this.skip();
      const fetched = await fetchCalicoManifest(manifestPin(pins, withModule!.calicoVersion), { env: { ...env(), GOMODCACHE: modCache } });
      expect(fetched.source).to.equal(path);
      expect(sha256Hex(fetched.text)).to.equal(withModule!.sha256);
    });
  });

  describe('against a real dockerd', () => {
    const started: StartedExternalHost[] = [];
    let network: string;
    let busybox: string;
    let iptables: string;

    before(async function () {
      this.timeout(300_000);
      try {
        await docker(10_000);
      } catch (e) {
        // On CI (.ci/setup starts dockerd) a missing daemon is a failure, not a skip.
        if (process.env.CI) throw e;
        log.warn(`skipping the Docker tests: ${(e as Error).message}`);
        this.skip();
      }
      const { testImage } = await import('./support/test-images.ts');
      busybox = await testImage('busybox');
      iptables = await testImage('iptables');
      network = `${clusterName}-net`;
      await createNetwork(network, runLabels(runId, 'test-network'));
    });
    after(async () => {
      // The sweep test removes everything; this catches what a failed test left.
      await sweepKind({ runId, log }).catch(() => undefined);
      for (const host of started) await host.container.stop({ remove: true, timeout: 1_000 }).catch(() => undefined);
    });

    it('fails fast, in one line, when no Docker daemon answers', async function () {
      // A real "no daemon": a private mount namespace where the Docker socket is /dev/null, and
      // no DOCKER_HOST or ~/.testcontainers.properties to fall back on (needs root, as CI is).
      if (process.getuid?.() !== 0) this.skip();
      const script = [
        "import { checkKindPrerequisites } from './lib/cluster/kind/cluster.ts';",
        'checkKindPrerequisites({ signal: new AbortController().signal }).then(',
        "  () => { console.log('unexpectedly fine'); },",
        '  (e) => { process.stderr.write(`${e.name}: ${e.message}\\n`); process.exit(e.exitCode ?? 1); });',
      ].join('\n');
      const { DOCKER_HOST: _ignored, ...env } = process.env;
      const result = await execa(
        'unshare',
        ['--mount', 'sh', '-c', 'mount --bind /dev/null /run/docker.sock && exec "$@"', 'sh', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
        { reject: false, env: { ...env, HOME: work, NETPOL_LOG: 'error' }, extendEnv: false },
      );
      expect(result.exitCode, result.stderr).to.equal(3);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).to.have.length(1);
      expect(lines[0]).to.match(/^PrerequisiteError: the kind provider needs a running Docker daemon/).and.contain('start it');
    });

    it('names a missing image that cannot be pulled, and the fixes', async () => {
      const image = `netpol-conformance-test/absent:${runId}`;
      const error = await ensureImage(image, 'load it with `kind load docker-image`').then(() => undefined, (e: unknown) => e as Error);
      expect(error).to.be.instanceOf(PrerequisiteError);
      expect(error!.message).to.match(new RegExp(`^image ${image} is not in the local Docker and cannot be pulled \\(.+\\); load it with`));
      expect(error!.message).not.to.contain('\n');
    });

    it('the real kind binary loads our config and stops at the missing node image, which we name', async function () {
      this.timeout(300_000);
      const binary = await ensureTool('kind', { log });
      const kind = new KindCli({ binary, signal: new AbortController().signal, log });
      expect(await kind.version()).to.equal(pins.kind);
      const configPath = join(work, 'kind-create.yaml');
      await writeFile(configPath, renderKindConfig({ clusterName, runId, nodeImage: pins.nodeImage, kubeProxyMode: 'nftables', workers: 0 }));
      const started = Date.now();
      const error = await kind
        .createCluster(clusterName, { configPath, kubeconfigPath: join(work, 'kubeconfig') })
        .then(() => undefined, (e: unknown) => e as Error);
      expect(error, 'kind create cluster succeeded without a node image?').to.be.instanceOf(PrerequisiteError);
      expect(error!.message).to.equal(
        `kind could not get node image ${pins.nodeImage}: it is not in the local Docker and cannot be pulled; ` +
          '`docker load` it on this machine (or point Docker at a registry mirror) and retry',
      );
      log.info(`kind create failed as expected in ${Date.now() - started} ms`);
      expect(await kind.getClusters()).not.to.include(clusterName);
    });

    it('the real kind binary rejects an invalid config before touching images', async () => {
      const kind = new KindCli({ binary: await ensureTool('kind', { log }), signal: new AbortController().signal, log });
      const configPath = join(work, 'kind-invalid.yaml');
      const config = kindConfig({ clusterName, runId, nodeImage: pins.nodeImage, kubeProxyMode: 'iptables' });
      await writeFile(configPath, stringify({ ...config, networking: { ...(config.networking as object), kubeProxyMode: 'userspace' } }));
      const error = await kind.createCluster(clusterName, { configPath, kubeconfigPath: join(work, 'kc2') }).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.contain('invalid kubeProxyMode: userspace');
    });

    it('collects node counters (iptables-save -c, nft -j) from a node container through the Docker API', async () => {
      // A stand-in for a kind node: named as kind names node containers and labelled as kind
      // labels them. NET_ADMIN, not --privileged: this sandbox cannot grant every capability.
      const nodeName = `${clusterName}-worker`;
      const node = await startExternalHost({
        name: nodeName,
        image: iptables,
        network,
        command: ['sleep', '600'],
        labels: { [kindClusterLabel]: clusterName },
        capAdd: ['NET_ADMIN', 'NET_RAW'],
      });
      started.push(node);
      const cluster = new KindCluster({ name: clusterName, runId } as unknown as ConstructorParameters<typeof KindCluster>[0]);
      const setup = await cluster.execOnNode(
        nodeName,
        ['sh', '-c', 'iptables -N cali-test && iptables -A INPUT -p icmp -j cali-test && iptables -A cali-test -p icmp -m comment --comment "cali:probe" -j ACCEPT'],
        { timeoutMs: 10_000 },
      );
      expect(setup.exitCode, setup.stderr).to.equal(0);
      const snapshot = async () => {
        const r = await cluster.execOnNode(nodeName, ['iptables-save', '-c'], { timeoutMs: 10_000 });
        expect(r.exitCode, r.stderr).to.equal(0);
        return parseIptablesSave(r.stdout, { backend: 'nft' });
      };
      const rule = (s: Awaited<ReturnType<typeof snapshot>>) => s.rules.find((x) => x.chain === 'cali-test' && x.comments.includes('cali:probe'));
      const before = await snapshot();
      expect(rule(before)?.packets).to.equal(0);
      const ping = await cluster.execOnNode(nodeName, ['ping', '-c', '3', '-W', '1', '127.0.0.1'], { timeoutMs: 10_000 });
      expect(ping.exitCode, ping.stderr).to.equal(0);
      const after = await snapshot();
      // 3 echo requests and 3 replies, all through INPUT on lo.
      expect(rule(after)?.packets).to.equal(6);

      const nft = await cluster.execOnNode(nodeName, ['nft', '-j', 'list', 'ruleset'], { timeoutMs: 10_000 });
      expect(nft.exitCode, nft.stderr).to.equal(0);
      const nftSnapshot = parseNftJson(nft.stdout);
      expect(nftSnapshot.rules.some((r) => r.chain.includes('cali-test') && r.packets === 6), nft.stdout.slice(0, 500)).to.equal(true);

      const slow = await cluster.execOnNode(nodeName, ['sleep', '5'], { timeoutMs: 500 });
      expect(slow.timedOut).to.equal(true);
    });

    it('starts an external host on the cluster network that the host reaches', async () => {
      const host = await startExternalHost({
        name: `${clusterName}-ext-web`,
        image: busybox,
        network,
        command: ['httpd', '-f', '-p', '8080', '-h', '/www'],
        labels: runLabels(runId, 'external-host'),
      });
      started.push(host);
      expect(host.ip).to.match(/^\d+\.\d+\.\d+\.\d+$/);
      let text = '';
      for (let i = 0; i < 20 && !text; i++) {
        text = await fetch(`http://${host.ip}:8080/`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.text(),
          async () => {
            await new Promise((r) => setTimeout(r, 250));
            return '';
          },
        );
      }
      expect(text).to.equal('external host\n');
      const fromInside = await execInContainer(host.container.getId(), ['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/'], { timeoutMs: 10_000 });
      expect(fromInside.stdout).to.equal('external host\n');
    });

    it('fails clearly when an external host\'s image is missing and cannot be pulled', async () => {
      const error = await startExternalHost({
        name: `${clusterName}-ext-missing`,
        image: `netpol-conformance-test/absent:${runId}`,
        network,
        labels: runLabels(runId, 'external-host'),
      }).then(() => undefined, (e: unknown) => e as Error);
      expect(error?.message).to.contain(`netpol-conformance-test/absent:${runId}`).and.not.contain('\n');
    });

    it('labels what it creates, and the sweep removes exactly this run\'s leftovers', async () => {
      const other = `${clusterName}-other-net`;
      await createNetwork(other, runLabels(`${runId}x`, 'test-network'));
      try {
        const mine = await listLabelled(labels.runId, runId);
        expect(mine.map((r) => `${r.kind} ${r.name}`)).to.include.members([`network ${network}`, `container ${clusterName}-ext-web`]);

        const dry = await sweepKind({ runId, dryRun: true, log });
        expect(dry.removed).to.include(`kind cluster ${clusterName}`);
        expect((await listLabelled(labels.runId, runId)).length).to.equal(mine.length);

        const swept = await sweepKind({ runId, log });
        expect(swept.errors).to.deep.equal([]);
        expect(swept.removed).to.include.members([
          `kind cluster ${clusterName}`,
          `network ${network} (run ${runId})`,
          `container ${clusterName}-ext-web (run ${runId})`,
        ]);
        expect(await listLabelled(labels.runId, runId)).to.deep.equal([]);
        // The node container went with `kind delete cluster` (kind finds nodes by its label).
        expect((await listLabelled(kindClusterLabel, clusterName)).length).to.equal(0);
        expect((await listLabelled(labels.runId, `${runId}x`)).map((r) => r.name)).to.deep.equal([other]);
      } finally {
        await sweepKind({ runId: `${runId}x`, log });
      }
    });
  });
});
