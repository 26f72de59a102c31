import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import { kafkajsSecurity, type KafkaSecurity } from './kafkaSecurity.js';

/** The minimal logger kafkajs needs; a pino logger satisfies it. */
export interface KafkaLogSink {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface CreateKafkaOptions {
  clientId: string;
  brokers: readonly string[];
  /** Request timeout in ms. Default 5000. */
  requestTimeoutMs?: number;
  /** Connect timeout in ms. Default 3000. */
  connectionTimeoutMs?: number;
  logger?: KafkaLogSink;
  /** Client retry policy. Default: 5 retries, 100 ms → 2 s. */
  retry?: KafkaConfig['retry'];
  ssl?: KafkaConfig['ssl'];
  sasl?: KafkaConfig['sasl'];
  /**
   * Concord's security setting for this cluster (see `kafkaSecurityFor`): TLS with hostname
   * verification and SCRAM-SHA-512 for `sasl_ssl`. Explicit `ssl`/`sasl` win over it.
   */
  security?: KafkaSecurity;
}

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

function pinoLogCreator(sink: KafkaLogSink): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = log;
      const name = LEVEL_NAMES[level] ?? 'info';
      // kafkajs reports every failed connection attempt at ERROR; the callers map and report
      // the failures that matter, so these are demoted to warn.
      sink[name === 'error' ? 'warn' : name]({ kafkajs: rest }, message);
    };
}

/**
 * Builds a kafkajs client with Concord's defaults: short timeouts (a writer must answer within
 * its request deadline) and logs routed to the process logger.
 */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const secured = kafkajsSecurity(options.security);
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    requestTimeout: options.requestTimeoutMs ?? 5000,
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    retry: options.retry ?? { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    ...(options.logger ? { logCreator: pinoLogCreator(options.logger) } : {}),
    ...secured,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl }),
  });
}
