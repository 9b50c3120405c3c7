// One run of the catalog on one cluster: provision, run recipes, write reports, tear down.
// The mocha specs in suites/ drive it (one describe per recipe, one it per probe), so the CLI,
// `npm run e2e` and `--grep` all go through the same code.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Cluster, ClusterOptions, ClusterVersions, Dataplane } from '../cluster/provider.ts';
import { KubeClient } from '../kube/client.ts';
import { createLogger, setLogFile, type Logger } from '../log.ts';
import type { Recipe } from '../recipes/index.ts';
import type { ProbeReport, RecipeReport, Report } from '../report/schema.ts';
import { reportSchemaVersion, summarize } from '../report/schema.ts';
import { renderConsoleSummary } from '../report/console.ts';
import { writeReports, type WrittenReports } from '../report/write.ts';
import { createRootSignal, TeardownStack, type RootSignal } from './lifecycle.ts';
import { loadResources, type RunOptions } from './options.ts';
import { runRecipe } from './recipe-runner.ts';

export function newRunId(): string {
  // Short, DNS-label safe, and distinctive enough for `clean` to match on.
  return `r${randomBytes(3).toString('hex').slice(0, 5)}`;
}

async function createCluster(options: RunOptions, clusterOptions: ClusterOptions): Promise<Cluster> {
  if (options.provider === 'netns') {
    const { createNetnsCluster } = await import('../cluster/netns/index.ts');
    return createNetnsCluster(clusterOptions);
  }
  const { createKindCluster } = await import('../cluster/kind/index.ts');
  return createKindCluster({
    ...clusterOptions,
    preloadImages: options.preloadImages,
    keepClusterOnFailure: options.keepClusterOnFailure,
    ...(options.images ? { images: options.images } : {}),
    ...(options.registryMirror ? { registryMirror: options.registryMirror } : {}),
  });
}

/**
 * What the provider needs before anything is created (root and programs for netns; Docker, kind
 * and the node image for kind): a PrerequisiteError here is one clear line, not a failed hook.
 */
export async function checkProviderPrerequisites(options: RunOptions, signal: AbortSignal): Promise<void> {
  if (options.provider === 'netns') {
    const { checkPrerequisites } = await import('../cluster/netns/index.ts');
    await checkPrerequisites();
    return;
  }
  const { checkKindPrerequisites } = await import('../cluster/kind/index.ts');
  await checkKindPrerequisites({
    signal,
    calicoVersion: options.calicoVersion,
    dataplane: options.dataplane,
    preloadImages: options.preloadImages,
    ...(options.images ? { images: options.images } : {}),
    ...(options.registryMirror ? { registryMirror: options.registryMirror } : {}),
  });
}

export class RunSession {
  readonly recipes: RecipeReport[] = [];
  private readonly started = Date.now();

  private constructor(
    readonly options: RunOptions,
    readonly runId: string,
    readonly dir: string,
    readonly cluster: Cluster,
    readonly versions: ClusterVersions,
    private readonly kube: KubeClient,
    private readonly root: RootSignal,
    private readonly log: Logger,
    private readonly teardown: TeardownStack,
    private readonly total: number,
    private readonly state: { failed: boolean },
  ) {}

  get signal(): AbortSignal {
    return this.root.signal;
  }

  static async start(options: RunOptions, totalRecipes: number): Promise<RunSession> {
    const runId = options.runId ?? newRunId();
    const log = createLogger('run');
    const dir = resolve(options.reportsDir, runId);
    mkdirSync(dir, { recursive: true });
    setLogFile(join(dir, 'harness.log'));
    const root = createRootSignal({ deadlineMs: options.deadlineMinutes * 60_000, log });
    const teardown = new TeardownStack(log);
    const state = { failed: false };
    teardown.defer('signal handlers', () => root[Symbol.dispose]());
    log.info(`run ${runId}: provider ${options.provider}, Calico ${options.calicoVersion}, dataplane ${options.dataplane}; reports in ${dir}`);
    try {
      const clusterOptions: ClusterOptions = {
        runId,
        calicoVersion: options.calicoVersion,
        dataplane: options.dataplane,
        felixSettings: options.felixSettings,
        workDir: join(dir, 'cluster'),
        signal: root.signal,
        log: (line) => log.child(options.provider).info(line),
      };
      const provisioned = Date.now();
      const cluster = await createCluster(options, clusterOptions);
      teardown.defer('cluster', async () => {
        if (options.keepClusterOnFailure && state.failed) {
          log.warn(`keeping the cluster after failures: kubeconfig ${cluster.kubeconfigPath}; remove it with \`netpol-conformance clean\``);
          return;
        }
        await cluster.destroy();
      });
      const versions = await cluster.versions();
      log.info(
        `cluster ready in ${Date.now() - provisioned} ms: Kubernetes ${versions.kubernetes}, Calico ${versions.calico}, felix ${versions.felix}, dataplane ${versions.dataplane}`,
      );
      const kube = KubeClient.fromFile(cluster.kubeconfigPath);
      for (const file of options.calicoResources) {
        for (const object of loadResources(file)) {
          log.info(`applying ${object.kind} ${object.metadata.name} from ${file}`);
          await kube.apply(object);
        }
      }
      return new RunSession(options, runId, dir, cluster, versions, kube, root, log, teardown, totalRecipes, state);
    } catch (e) {
      await teardown.unwind();
      setLogFile(undefined);
      throw e;
    }
  }

  async runRecipe(recipe: Recipe, onProbe?: (probe: ProbeReport) => void): Promise<RecipeReport> {
    const index = this.recipes.length + 1;
    const log = this.log.child(recipe.id);
    log.info(`recipe ${index}/${this.total} ${recipe.id}: ${recipe.title}`);
    let done = 0;
    let failures = 0;
    const report = await runRecipe(recipe, {
      cluster: this.cluster,
      kube: this.kube,
      dataplane: this.versions.dataplane,
      calicoVersion: this.versions.calico,
      runId: this.runId,
      timeouts: { connectSeconds: this.options.connectSeconds },
      enforceTimeoutMs: 60_000,
      signal: this.signal,
      log,
      onProbe: (probe) => {
        done++;
        if (probe.verdict === 'fail') failures++;
        log.debug(`${probe.verdict} ${probe.id}: expected ${probe.expected}, observed ${probe.observed} (${probe.detail})`);
        if (done % 10 === 0 || probe.verdict === 'fail') {
          log.info(`recipe ${index}/${this.total} ${recipe.id}: ${done} probes done, ${failures} failed, ${Math.round((Date.now() - this.started) / 1000)} s elapsed`);
        }
        onProbe?.(probe);
      },
    });
    if (report.probes.some((p) => p.verdict === 'fail')) this.state.failed = true;
    this.recipes.push(report);
    return report;
  }

  report(): Report {
    return {
      schemaVersion: reportSchemaVersion,
      run: {
        id: this.runId,
        provider: this.options.provider,
        calico: { version: this.versions.calico, dataplane: reportDataplane(this.versions.dataplane) },
        felix: this.versions.felix,
        kubernetes: this.versions.kubernetes,
        startedAt: new Date(this.started).toISOString(),
        durationMs: Date.now() - this.started,
        ...(this.versions.environment ? { environment: this.versions.environment } : {}),
      },
      summary: summarize(this.recipes),
      recipes: this.recipes,
    };
  }

  /** Writes every report file and tears the cluster down (or keeps it, when asked, after a failure). */
  async finish(): Promise<{ report: Report; written: WrittenReports }> {
    try {
      const report = this.report();
      const written = await writeReports(report, resolve(this.options.reportsDir));
      process.stderr.write(renderConsoleSummary(report, written.dir) + '\n');
      return { report, written };
    } finally {
      const errors = await this.teardown.unwind();
      for (const e of errors) this.log.warn(e);
      setLogFile(undefined);
    }
  }
}

function reportDataplane(dataplane: Dataplane): Report['run']['calico']['dataplane'] {
  return dataplane === 'nftables' ? 'nftables' : 'iptables';
}
