/**
 * The writer process of one region (`CONCORD_REGION`): `node services/writer/dist/main.js
 * [--insecure]`. The composition root: configuration, logs, metrics and tracing are wired
 * here and nowhere else.
 */
import { loadConfig, requireRegion } from '@concord/config';
import { ConcordError, toConcordError } from '@concord/core';
import { onShutdownSignal } from '@concord/http';
import { createLogger, createMetrics, startTracing } from '@concord/telemetry';
import { startWriter } from './startWriter.js';

const USAGE = 'usage: node services/writer/dist/main.js [--insecure]';

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((a) => a !== '--insecure');
  if (unknown.length > 0) {
    throw new ConcordError('VALIDATION_FAILED', `unknown argument ${unknown[0]}; ${USAGE}`);
  }
  const config = loadConfig({
    overrides: argv.includes('--insecure') ? { CONCORD_INSECURE: 'true' } : {},
  });
  const region = requireRegion(config).id;
  const logger = createLogger({ service: 'writer', region, level: config.log.level });
  if (config.auth.insecure) logger.warn('insecure mode: no bearer token is checked');
  const tracing = startTracing({
    service: 'writer',
    region,
    exporter: config.tracing.exporter,
    ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint } : {}),
  });
  const writer = await startWriter(config, {
    logger,
    metrics: createMetrics({ region, service: 'writer' }),
    tracer: tracing.tracer,
    host: config.bindHost,
    // Fault injection only (CONCORD_CLOCK_OFFSET_MS): a machine clock that runs ahead or behind.
    ...(config.clock.offsetMs !== 0 ? { now: () => Date.now() + config.clock.offsetMs } : {}),
  });
  onShutdownSignal(logger, async () => {
    await writer.close();
    await tracing.shutdown();
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const e = toConcordError(error);
  process.stderr.write(`error ${e.code}: ${e.message}\n`);
  process.exit(e.code === 'CONFIG_INVALID' ? 3 : e.code === 'VALIDATION_FAILED' ? 2 : 1);
});
