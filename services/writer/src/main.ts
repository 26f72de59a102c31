/**
 * The writer process of one region (`CONCORD_REGION`): `node services/writer/dist/main.js
 * [--insecure]`. The composition root: configuration, logs, metrics and tracing are wired
 * here (by runServiceMain) and nowhere else.
 */
import { runServiceMain } from '@concord/http';
import { createMetrics } from '@concord/telemetry';
import { startWriter } from './startWriter.js';

await runServiceMain({
  service: 'writer',
  start: ({ config, region, logger, tracer }) =>
    startWriter(config, {
      logger,
      metrics: createMetrics({ region, service: 'writer' }),
      tracer,
      host: config.bindHost,
      // Fault injection only (CONCORD_CLOCK_OFFSET_MS): a machine clock that runs ahead or behind.
      ...(config.clock.offsetMs !== 0 ? { now: () => Date.now() + config.clock.offsetMs } : {}),
    }),
});
