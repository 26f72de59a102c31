/**
 * The reconciler's composition root: `node services/reconciler/dist/main.js [--insecure]`
 * serves CONCORD_REGION. Configuration, logs, metrics and traces are wired here (by
 * runServiceMain) and nowhere else.
 */
import { runServiceMain } from '@concord/http';
import { createMetrics } from '@concord/telemetry';
import { startReconciler } from './startReconciler.js';

await runServiceMain({
  service: 'reconciler',
  start: ({ config, region, logger, tracer }) =>
    startReconciler(config, {
      region,
      logger,
      metrics: createMetrics({ region, service: 'reconciler' }),
      tracer,
      host: config.bindHost,
      tuning: { resolvePollMs: config.reconciler.pollMs, splitBrain: config.reconciler.splitBrain },
    }),
});
