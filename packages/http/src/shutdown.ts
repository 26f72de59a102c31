import type { Logger } from '@concord/telemetry';

/**
 * Installs SIGTERM/SIGINT handlers that run `stop` once (stop accepting work, drain in-flight
 * work, close connections) and then exit; a second signal, or `graceMs` without finishing,
 * exits at once.
 */
export function onShutdownSignal(
  logger: Logger,
  stop: () => Promise<void>,
  graceMs = 15_000,
): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'shutdown grace period exceeded: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    stop().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
