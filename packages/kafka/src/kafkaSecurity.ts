import { readFileSync } from 'node:fs';
import type { KafkaConfig, SASLOptions } from 'kafkajs';
import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError } from '@concord/core';

/** How a client connects to one Kafka cluster (protocol, CA file, SCRAM credentials). */
export type KafkaSecurity = ConcordConfig['kafka']['security'];

/** Plaintext: what clients inside a region use. */
export const PLAINTEXT: KafkaSecurity = {
  protocol: 'plaintext',
  caFile: undefined,
  sasl: undefined,
};

/**
 * The security of connections from `reader`'s clients to `origin`'s Kafka: plaintext inside a
 * region, the origin's WAN setting (CONCORD_KAFKA_SECURITY, overridden by
 * CONCORD_<ORIGIN>_KAFKA_*) across regions.
 */
export function kafkaSecurityFor(
  config: ConcordConfig,
  origin: RegionId,
  reader: RegionId,
): KafkaSecurity {
  if (origin === reader) return PLAINTEXT;
  const rc = config.byRegion[origin];
  if (!rc) throw new Error(`unknown region ${origin}`);
  return rc.kafka.security;
}

function readSecretFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConcordError(
      'CONFIG_INVALID',
      `cannot read the Kafka ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error, retriable: false, details: { file: path } },
    );
  }
}

/**
 * kafkajs `ssl`/`sasl` options for `security`. Reads the CA file and the password file now
 * (a client created after a password rotation picks the new one). Hostname verification stays
 * on: the broker certificate must name the address the client dials.
 */
export function kafkajsSecurity(
  security: KafkaSecurity | undefined,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  if (!security || security.protocol === 'plaintext') return {};
  const ssl = security.caFile ? { ca: [readSecretFile(security.caFile, 'CA')] } : true;
  const s = security.sasl;
  if (!s) return { ssl };
  const password = s.passwordFile
    ? (readSecretFile(s.passwordFile, 'SASL password').split(/\r?\n/)[0] ?? '')
    : (s.password?.reveal() ?? '');
  if (!s.username || !password) {
    throw new ConcordError(
      'CONFIG_INVALID',
      `Kafka security sasl_ssl needs a SCRAM user and password (user "${s.username}", password ${password ? 'set' : 'empty'})`,
      { retriable: false },
    );
  }
  const sasl: SASLOptions = { mechanism: 'scram-sha-512', username: s.username, password };
  return { ssl, sasl };
}
