import { pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

export interface LoggerSettings {
  /** Service name (writer, mirror, reconciler, cli…). */
  service: string;
  /** Region served by the process, bound to every line. */
  region?: string;
  level?: LoggerOptions['level'];
  /** Destination; defaults to stdout. Tests pass a stream to assert on lines. */
  destination?: NodeJS.WritableStream;
}

/**
 * One structured (JSON) line per event of interest, always with `service` and `region`;
 * callers add `stream`/`eventId` with `logger.child({ stream })`.
 */
export function createLogger(settings: LoggerSettings): Logger {
  const base: Record<string, unknown> = { service: settings.service };
  if (settings.region !== undefined) base.region = settings.region;
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination
    ? pino(options, settings.destination as pino.DestinationStream)
    : pino(options);
}
