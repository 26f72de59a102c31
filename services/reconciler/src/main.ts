/**
 * The reconciler's composition root: `node services/reconciler/dist/main.js [--insecure]`
 * serves CONCORD_REGION. Configuration, logs, metrics and traces are wired here and nowhere
 * else.
 */
import { loadConfig, requireRegion } from '@concord/config';
import { ConcordError, toConcordError } from '@concord/core';
import { onShutdownSignal } from '@concord/http';
import { createLogger, createMetrics, startTracing } from '@concord/telemetry';
import { startReconciler } from './startReconciler.js';

const USAGE = 'usage: node services/reconciler/dist/main.js [--insecure]';

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--insecure');
  if (unknown.length > 0) {
    throw new ConcordError('VALIDATION_FAILED', `unknown argument ${unknown[0]}; ${USAGE}`);
  }
  const config = loadConfig({
    overrides: argv.includes('--insecure') ? { CONCORD_INSECURE: 'true' } : {},
  });
  const region = requireRegion(config).id;
  const logger = createLogger({ service: 'reconciler', region, level: config.log.level });
  if (config.auth.insecure) logger.warn('insecure mode: no bearer token is checked');
  const tracing = startTracing({
    service: 'reconciler',
    region,
    exporter: config.tracing.exporter,
    ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint } : {}),
  });
  const reconciler = await startReconciler(config, {
    region,
    logger,
    metrics: createMetrics({ region, service: 'reconciler' }),
    tracer: tracing.tracer,
    host: config.bindHost,
    tuning: { resolvePollMs: config.reconciler.pollMs, splitBrain: config.reconciler.splitBrain },
  });
  onShutdownSignal(logger, async () => {
    await reconciler.close();
    await tracing.shutdown();
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = toConcordError(error);
  process.stderr.write(`error ${e.code}: ${e.message}\n`);
  process.exit(e.code === 'CONFIG_INVALID' ? 3 : e.code === 'VALIDATION_FAILED' ? 2 : 1);
});
