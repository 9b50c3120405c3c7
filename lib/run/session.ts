// One cluster for a run: provisioned once, recipes run on it (side by side), reports written,
// torn down. `runCatalog` (catalog.ts) drives it for `run` and the catalog spec; the bench
// runs two passes on one session.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Cluster, ClusterOptions, ClusterVersions, Dataplane } from '../cluster/provider.ts';
import { messageOf } from '../errors.ts';
import { KubeClient } from '../kube/client.ts';
import { createRootSignal, TeardownStack, type RootSignal } from '../lifecycle/index.ts';
import { createLogger, setLogFile, type Logger } from '../log.ts';
import type { Recipe } from '../recipes/index.ts';
import { planRecipe } from '../recipes/index.ts';
import type { ProbeReport, RecipeReport, Report } from '../report/schema.ts';
import { reportSchemaVersion, summarize } from '../report/schema.ts';
import { writeReports, type WrittenReports } from '../report/write.ts';
import { familyCounterReaders, type FamilyCounterReaders } from './node-counters.ts';
import { grepSelects, loadResources, runIpFamilies, type BlockedBy, type RunOptions } from './options.ts';
import { runRecipe, type ObjectApi } from './recipe-runner.ts';
import { runSideBySide } from './schedule.ts';

export function newRunId(): string {
  // Short, DNS-label safe, and distinctive enough for `clean` to match on.
  return `r${randomBytes(3).toString('hex').slice(0, 5)}`;
}

async function createProviderCluster(options: RunOptions, clusterOptions: ClusterOptions): Promise<Cluster> {
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

/** What the engine can be given instead of the real thing (unit tests), and its time limits. */
export interface SessionDeps {
  /** Makes the cluster; default: the provider the options name. */
  createCluster?: (options: RunOptions, clusterOptions: ClusterOptions) => Promise<Cluster>;
  /** Applies and deletes objects on the cluster; default: a KubeClient on its kubeconfig. */
  objects?: (cluster: Cluster) => ObjectApi;
  /** Stops the run when it fires, like SIGINT, SIGTERM and the deadline do. */
  signal?: AbortSignal;
  /** Pause between two watch reads of a node's counters (default 15 ms). */
  watchIntervalMs?: number;
  /** How long felix may take to program pods and policies (default 60 s). */
  enforceTimeoutMs?: number;
  /** How long a fixture server may take to answer (default 20 s). */
  serverTimeoutMs?: number;
  /** Where the engine logs (default: the harness logger, namespace "run"). */
  log?: Logger;
}

/** How one pass over a list of recipes runs. */
export interface PassOptions {
  concurrency: number;
  blockedBy: BlockedBy;
  grep?: string;
  /** Suffix of the recipes' namespaces and external hosts (default: the run id). A second pass
   * on the same cluster takes its own, so it never meets the first pass's leftovers. */
  suffix?: string;
}

export interface RunStart {
  runId: string;
  dir: string;
  versions: ClusterVersions;
}

/** What a caller of the engine hears while it runs (the CLI prints progress, the spec records). */
export interface CatalogHooks {
  onStart?(run: RunStart): void;
  onRecipeStart?(recipe: Recipe): void;
  onProbe?(recipe: Recipe, probe: ProbeReport): void;
  onRecipeDone?(recipe: Recipe, report: RecipeReport): void;
}

export class RunSession {
  readonly recipes: RecipeReport[] = [];
  private readonly started = Date.now();
  private failed = false;
  private finished = false;

  private constructor(
    readonly options: RunOptions,
    readonly runId: string,
    readonly dir: string,
    readonly cluster: Cluster,
    readonly versions: ClusterVersions,
    readonly counters: FamilyCounterReaders,
    private readonly objects: ObjectApi,
    private readonly root: RootSignal,
    private readonly log: Logger,
    private readonly teardown: TeardownStack,
    private readonly deps: SessionDeps,
  ) {}

  get signal(): AbortSignal {
    return this.root.signal;
  }

  static async start(options: RunOptions, deps: SessionDeps = {}): Promise<RunSession> {
    const runId = options.runId ?? newRunId();
    const log = deps.log ?? createLogger('run');
    const dir = resolve(options.reportsDir, runId);
    mkdirSync(dir, { recursive: true });
    setLogFile(join(dir, 'harness.log'));
    const root = createRootSignal({ deadlineMs: options.deadlineMinutes * 60_000, log, ...(deps.signal ? { parent: deps.signal } : {}) });
    const teardown = new TeardownStack(log);
    const session: { failed(): boolean } = { failed: () => false };
    teardown.defer('signal handlers', () => root[Symbol.dispose]());
    log.info(`run ${runId}: provider ${options.provider}, Calico ${options.calicoVersion}, dataplane ${options.dataplane}; reports in ${dir}`);
    try {
      const clusterOptions: ClusterOptions = {
        runId,
        calicoVersion: options.calicoVersion,
        dataplane: options.dataplane,
        felixSettings: options.felixSettings,
        ipFamilies: runIpFamilies(options),
        workDir: join(dir, 'cluster'),
        signal: root.signal,
        log: (line) => log.child(options.provider).info(line),
      };
      const provisioned = Date.now();
      const cluster = await (deps.createCluster ?? createProviderCluster)(options, clusterOptions);
      teardown.defer('cluster', async () => {
        if (options.keepClusterOnFailure && session.failed()) {
          log.warn(`keeping the cluster after failures: kubeconfig ${cluster.kubeconfigPath}; remove it with \`netpol-conformance clean\``);
          return;
        }
        await cluster.destroy();
      });
      const versions = await cluster.versions();
      log.info(
        `cluster ready in ${Date.now() - provisioned} ms: Kubernetes ${versions.kubernetes}, Calico ${versions.calico}, felix ${versions.felix}, dataplane ${versions.dataplane}, ${(cluster.ipFamilies ?? ['IPv4']).join(' and ')}`,
      );
      const objects = deps.objects?.(cluster) ?? KubeClient.fromFile(cluster.kubeconfigPath);
      for (const file of options.calicoResources) {
        for (const object of loadResources(file)) {
          log.info(`applying ${object.kind} ${object.metadata.name} from ${file}`);
          await objects.apply(object);
        }
      }
      const counters = familyCounterReaders(cluster, versions.dataplane, root.signal, {
        watchIntervalMs: deps.watchIntervalMs,
        defer: (name, undo) => teardown.defer(name, undo),
      });
      const created = new RunSession(options, runId, dir, cluster, versions, counters, objects, root, log, teardown, deps);
      session.failed = () => created.failed;
      return created;
    } catch (e) {
      await teardown.unwind();
      setLogFile(undefined);
      throw e;
    }
  }

  /**
   * Runs the recipes, `pass.concurrency` side by side, and returns their reports in the given
   * order (they are added to the session's report too).
   */
  async runRecipes(recipes: readonly Recipe[], pass: PassOptions, hooks: CatalogHooks = {}): Promise<RecipeReport[]> {
    const total = recipes.length;
    let done = 0;
    this.log.info(`${total} recipes, ${pass.concurrency} side by side, blocked verdicts by ${pass.blockedBy}`);
    const finished = new Map<Recipe, RecipeReport>();
    const teardowns: Promise<void>[] = [];
    const finishLater = (what: string, work: () => Promise<string[]>): void => {
      teardowns.push(
        work().then(
          (errors) => errors.forEach((e) => this.log.warn(`${what}: ${e}`)),
          (e: unknown) => this.log.warn(`${what} failed: ${messageOf(e)}`),
        ),
      );
    };
    try {
      return await runSideBySide(
        recipes,
        { concurrency: pass.concurrency, signal: this.signal, cost: (r) => planRecipe(r, '').probes.length },
        async (recipe) => {
          hooks.onRecipeStart?.(recipe);
          const report = await this.runOne(recipe, pass, hooks, finishLater);
          finished.set(recipe, report);
          done++;
          const failed = report.probes.filter((p) => p.verdict === 'fail').length;
          this.log.info(
            `recipe ${recipe.id} done (${done}/${total}): ${report.probes.length} probes, ${failed} failed, ${Math.round((Date.now() - this.started) / 1000)} s elapsed`,
          );
          hooks.onRecipeDone?.(recipe, report);
          return report;
        },
      );
    } finally {
      // Every recipe's teardown is done when the pass is: a next pass or the end of the run
      // never meets a recipe's leftovers.
      await Promise.all(teardowns);
      // In the given order; a cancelled run keeps what finished.
      for (const recipe of recipes) {
        const report = finished.get(recipe);
        if (report) this.recipes.push(report);
      }
    }
  }

  private async runOne(
    recipe: Recipe,
    pass: PassOptions,
    hooks: CatalogHooks,
    finishLater: (what: string, work: () => Promise<string[]>) => void,
  ): Promise<RecipeReport> {
    const log = this.log.child(recipe.id);
    log.info(`recipe ${recipe.id}: ${recipe.title}`);
    let failures = 0;
    const report = await runRecipe(recipe, {
      cluster: this.cluster,
      objects: this.objects,
      counters: this.counters,
      dataplane: this.versions.dataplane,
      calicoVersion: this.versions.calico,
      suffix: pass.suffix ?? this.runId,
      timeouts: { connectSeconds: this.options.connectSeconds },
      blockedBy: pass.blockedBy,
      enforceTimeoutMs: this.deps.enforceTimeoutMs ?? 60_000,
      ...(this.deps.serverTimeoutMs !== undefined ? { serverTimeoutMs: this.deps.serverTimeoutMs } : {}),
      ...(pass.grep !== undefined ? { selectProbe: (probe) => grepSelects(pass.grep, recipe, probe.id) } : {}),
      signal: this.signal,
      log,
      finishLater,
      onProbe: (probe) => {
        if (probe.verdict === 'fail') failures++;
        log.debug(`${probe.verdict} ${probe.id}: expected ${probe.expected}, observed ${probe.observed} (${probe.detail}; ${probe.evidence}, ${probe.durationMs} ms)`);
        if (probe.verdict === 'fail') log.info(`recipe ${recipe.id}: ${failures} probe(s) failed so far; latest ${probe.id}: ${probe.detail}`);
        hooks.onProbe?.(recipe, probe);
      },
    });
    if (report.probes.some((p) => p.verdict === 'fail')) this.failed = true;
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
      // A failed run keeps what the cluster itself logged (kind: `kind export logs`) beside its report.
      if (this.failed && this.cluster.exportLogs && !this.root.signal.aborted) {
        await this.cluster.exportLogs(join(this.dir, 'cluster', 'logs')).then(
          (dir) => this.log.info(`cluster logs of the failed run: ${dir}`),
          (e: unknown) => this.log.warn(`exporting the cluster's logs failed: ${messageOf(e)}`),
        );
      }
      const written = await writeReports(report, resolve(this.options.reportsDir));
      this.log.info(`reports written to ${written.dir}`);
      return { report, written };
    } finally {
      await this.close();
    }
  }

  /** Tears the cluster down without writing reports. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.log.info('tearing the cluster down');
    const started = Date.now();
    const errors = await this.teardown.unwind();
    this.log.info(`cluster torn down in ${Date.now() - started} ms${errors.length > 0 ? `, ${errors.length} step(s) failed` : ''}`);
    for (const e of errors) this.log.warn(e);
    setLogFile(undefined);
  }
}

function reportDataplane(dataplane: Dataplane): Report['run']['calico']['dataplane'] {
  return dataplane === 'nftables' ? 'nftables' : 'iptables';
}
