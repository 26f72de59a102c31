import { resolve } from 'node:path';
import type { KafkaSecurity, KafkaSecurityProtocol, Secret } from './ConcordConfig.js';
import type { ConfigIssue } from './configIssues.js';

export interface SecurityInput {
  readonly protocol: KafkaSecurityProtocol;
  readonly caFile: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly passwordFile: string | undefined;
}

export function isProtocol(value: string): value is KafkaSecurityProtocol {
  return value === 'plaintext' || value === 'sasl_ssl';
}

/**
 * A value that never reaches a log: JSON (pino), `util.inspect` and string conversion all
 * see `[redacted]`.
 */
export function secret(value: string): Secret {
  const redacted = '[redacted]';
  return Object.freeze({
    reveal: () => value,
    toJSON: () => redacted,
    toString: () => redacted,
    [Symbol.for('nodejs.util.inspect.custom')]: () => redacted,
  });
}

/**
 * Validates one Kafka security setting: `sasl_ssl` needs a user and a password (or password
 * file). `prefix` names the variables in issues (`CONCORD_` or `CONCORD_<REGION>_`); a
 * password never appears in an issue.
 */
export function kafkaSecurity(
  input: SecurityInput,
  prefix: string,
  issues: ConfigIssue[],
): KafkaSecurity {
  const caFile = input.caFile === undefined ? undefined : resolve(input.caFile);
  if (input.protocol === 'plaintext') return { protocol: 'plaintext', caFile, sasl: undefined };
  const security = `${prefix}KAFKA_SECURITY`;
  if (input.username === undefined) {
    issues.push({
      field: `${prefix}KAFKA_SASL_USERNAME`,
      message: `required when ${security} is sasl_ssl`,
    });
  }
  if (input.password === undefined && input.passwordFile === undefined) {
    issues.push({
      field: `${prefix}KAFKA_SASL_PASSWORD_FILE`,
      message: `required (or ${prefix}KAFKA_SASL_PASSWORD) when ${security} is sasl_ssl`,
    });
  }
  return {
    protocol: 'sasl_ssl',
    caFile,
    sasl: {
      mechanism: 'scram-sha-512',
      username: input.username ?? '',
      password: input.password === undefined ? undefined : secret(input.password),
      passwordFile: input.passwordFile === undefined ? undefined : resolve(input.passwordFile),
    },
  };
}
