// Which kind binary a run uses: $NETPOL_KIND, else a `kind` on PATH at the pinned version, else
// the cached build of the pinned sigs.k8s.io/kind (built on first use).
import type { Logger } from '../../log.ts';
import { KindCli } from './kind-cli.ts';
import { loadKindPins } from './pins.ts';
import { ensureTool, kindOnPath } from './tools.ts';

export interface ResolveKindOptions {
  signal: AbortSignal;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  noBuild?: boolean;
}

export async function resolveKind(options: ResolveKindOptions): Promise<KindCli> {
  const env = options.env ?? process.env;
  const pinned = loadKindPins().kind;
  const cli = (binary: string): KindCli => new KindCli({ binary, signal: options.signal, log: options.log });
  if (env.NETPOL_KIND) return cli(env.NETPOL_KIND);
  const onPath = await kindOnPath(env);
  if (onPath) {
    const version = await cli(onPath).version().catch(() => 'unknown');
    if (version === pinned) return cli(onPath);
    options.log.info(`kind on PATH (${onPath}) is ${version}, not the pinned ${pinned}; using the cached build`);
  }
  return cli(await ensureTool('kind', { signal: options.signal, log: options.log, env, noBuild: options.noBuild ?? false }));
}
