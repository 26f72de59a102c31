import { loadConfig, requireRegion, type ConcordConfig, type RegionId } from '@concord/config';
import { ConcordError, toConcordError } from '@concord/core';
import { createLogger, startTracing, type Logger, type Tracing } from '@concord/telemetry';
import { onShutdownSignal } from './shutdown.js';

/** What a service's start function gets: everything wired once, by the composition root. */
export interface ServiceContext {
  readonly config: ConcordConfig;
  readonly region: RegionId;
  readonly logger: Logger;
  readonly tracer: Tracing['tracer'];
}

export interface ServiceMainOptions {
  /** `writer`, `mirror`, `reconciler`: names the logs, metrics and spans. */
  readonly service: string;
  /** Starts the service; the handle's `close` drains it on SIGTERM/SIGINT. */
  readonly start: (context: ServiceContext) => Promise<{ close(): Promise<void> }>;
  /** Defaults to `process.argv.slice(2)`. */
  readonly argv?: readonly string[];
}

/** The process exit code of a failed start: 3 bad configuration, 2 bad arguments, 1 anything else. */
export function exitCodeFor(error: unknown): number {
  const { code } = toConcordError(error);
  return code === 'CONFIG_INVALID' ? 3 : code === 'VALIDATION_FAILED' ? 2 : 1;
}

/** `--insecure` is the one argument a service takes; anything else is VALIDATION_FAILED. */
export function parseServiceArgs(service: string, argv: readonly string[]): { insecure: boolean } {
  const unknown = argv.filter((a) => a !== '--insecure');
  if (unknown.length > 0) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `unknown argument ${unknown[0]}; usage: node services/${service}/dist/main.js [--insecure]`,
    );
  }
  return { insecure: argv.includes('--insecure') };
}

/**
 * The one boot sequence of every service process (its composition root calls only this):
 * arguments, configuration (read here and nowhere else), the region's logger and tracing,
 * the start, and a graceful shutdown on SIGTERM/SIGINT. A failed start logs one line with its
 * code, flushes the spans and exits with {@link exitCodeFor}.
 */
export async function runServiceMain(options: ServiceMainOptions): Promise<void> {
  const { service } = options;
  let logger: Logger | undefined;
  let tracing: { shutdown(): Promise<void> } | undefined;
  try {
    const { insecure } = parseServiceArgs(service, options.argv ?? process.argv.slice(2));
    const config = loadConfig({ overrides: insecure ? { CONCORD_INSECURE: 'true' } : {} });
    const region = requireRegion(config).id;
    const log = createLogger({ service, region, level: config.log.level });
    logger = log;
    if (config.auth.insecure) log.warn('insecure mode: no bearer token is checked');
    const started = startTracing({
      service,
      region,
      exporter: config.tracing.exporter,
      ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint } : {}),
    });
    tracing = started;
    const handle = await options.start({ config, region, logger: log, tracer: started.tracer });
    onShutdownSignal(log, async () => {
      await handle.close();
      await started.shutdown();
    });
  } catch (error) {
    const e = toConcordError(error);
    if (logger) logger.fatal({ err: error, code: e.code }, `${service} failed to start`);
    process.stderr.write(`error ${e.code}: ${e.message}\n`);
    await tracing?.shutdown().catch(() => undefined);
    process.exit(exitCodeFor(e));
  }
}
