/**
 * The mirror's composition root: `node services/mirror/dist/main.js` serves CONCORD_REGION.
 * Configuration, logs, metrics and traces are wired here and nowhere else.
 */
import { loadConfig, requireRegion } from '@concord/config';
import { onShutdownSignal } from '@concord/http';
import { createLogger, startTracing } from '@concord/telemetry';
import { startMirror } from './startMirror.js';

const config = loadConfig();
const region = requireRegion(config).id;
const logger = createLogger({ service: 'mirror', region, level: config.log.level });
const tracing = startTracing({
  service: 'mirror',
  region,
  exporter: config.tracing.exporter,
  ...(config.tracing.otlpEndpoint ? { otlpEndpoint: config.tracing.otlpEndpoint } : {}),
});
try {
  const mirror = await startMirror(config, { region, logger, tracer: tracing.tracer });
  onShutdownSignal(logger, async () => {
    await mirror.close();
    await tracing.shutdown();
  });
} catch (error) {
  logger.fatal({ err: error }, 'mirror failed to start');
  await tracing.shutdown();
  process.exit(1);
}
