import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '@concord/config';
import { isConcordError } from '@concord/core';
import { mapKafkaError } from './kafkaErrors.js';
import { kafkajsSecurity, kafkaSecurityFor } from './kafkaSecurity.js';

const load = (env: Record<string, string>) => loadConfig({ env, cwd: '/tmp' });

function issues(env: Record<string, string>): { field: string; message: string }[] {
  try {
    load(env);
  } catch (error) {
    if (isConcordError(error, 'CONFIG_INVALID'))
      return error.details?.issues as { field: string; message: string }[];
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('Kafka security settings', () => {
  it('default to plaintext everywhere', () => {
    const c = load({});
    expect(c.kafka.security).toEqual({ protocol: 'plaintext', caFile: undefined, sasl: undefined });
    expect(kafkaSecurityFor(c, 'us', 'eu').protocol).toBe('plaintext');
    expect(kafkajsSecurity(kafkaSecurityFor(c, 'us', 'eu'))).toEqual({});
  });

  it('apply sasl_ssl to cross-region connections only, with per-region overrides', () => {
    const c = load({
      CONCORD_KAFKA_SECURITY: 'sasl_ssl',
      CONCORD_KAFKA_CA_FILE: '/etc/concord/ca.pem',
      CONCORD_KAFKA_SASL_USERNAME: 'region-eu',
      CONCORD_KAFKA_SASL_PASSWORD_FILE: '/run/secrets/eu',
      CONCORD_AP_KAFKA_SECURITY: 'plaintext',
      CONCORD_US_KAFKA_SASL_USERNAME: 'eu-on-us',
    });
    expect(kafkaSecurityFor(c, 'eu', 'eu').protocol).toBe('plaintext');
    expect(kafkaSecurityFor(c, 'ap', 'eu').protocol).toBe('plaintext');
    expect(kafkaSecurityFor(c, 'us', 'eu')).toMatchObject({
      protocol: 'sasl_ssl',
      caFile: '/etc/concord/ca.pem',
      sasl: { mechanism: 'scram-sha-512', username: 'eu-on-us', passwordFile: '/run/secrets/eu' },
    });
  });

  it('name the missing credentials, never the password', () => {
    expect(issues({ CONCORD_KAFKA_SECURITY: 'sasl_ssl' }).map((i) => i.field)).toEqual([
      'CONCORD_KAFKA_SASL_USERNAME',
      'CONCORD_KAFKA_SASL_PASSWORD_FILE',
    ]);
    expect(
      issues({ CONCORD_EU_KAFKA_SECURITY: 'tls', CONCORD_AP_KAFKA_SECURITY: 'sasl_ssl' }).map(
        (i) => i.field,
      ),
    ).toEqual([
      'CONCORD_EU_KAFKA_SECURITY',
      'CONCORD_AP_KAFKA_SASL_USERNAME',
      'CONCORD_AP_KAFKA_SASL_PASSWORD_FILE',
    ]);
    expect(() => load({ CONCORD_KAFKA_SASL_PASWORD: 'hunter2-secret' })).toThrow(/\[redacted\]/);
    expect(() => load({ CONCORD_KAFKA_SASL_PASWORD: 'hunter2-secret' })).not.toThrow(/hunter2/);
  });

  it('keep a password out of JSON, inspect and string conversion', () => {
    const c = load({
      CONCORD_KAFKA_SECURITY: 'sasl_ssl',
      CONCORD_KAFKA_SASL_USERNAME: 'region-eu',
      CONCORD_KAFKA_SASL_PASSWORD: 'hunter2-secret',
    });
    expect(JSON.stringify(c)).not.toContain('hunter2');
    expect(inspect(c, { depth: 10 })).not.toContain('hunter2');
    expect(`${String(c.kafka.security.sasl?.password)}`).not.toContain('hunter2');
    expect(kafkajsSecurity(c.kafka.security)).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'region-eu', password: 'hunter2-secret' },
    });
  });

  it('read the CA and the first line of the password file when a client is built', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kafka-sec-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    const c = load({
      CONCORD_KAFKA_SECURITY: 'sasl_ssl',
      CONCORD_KAFKA_CA_FILE: join(dir, 'ca.pem'),
      CONCORD_KAFKA_SASL_USERNAME: 'region-ap',
      CONCORD_KAFKA_SASL_PASSWORD: 'ignored-when-a-file-is-set',
      CONCORD_KAFKA_SASL_PASSWORD_FILE: join(dir, 'pw'),
    });
    expect(kafkajsSecurity(c.kafka.security)).toEqual({
      ssl: { ca: ['-----BEGIN CERTIFICATE-----\n'] },
      sasl: { mechanism: 'scram-sha-512', username: 'region-ap', password: 's3cret' },
    });
    const missing = load({
      CONCORD_KAFKA_SECURITY: 'sasl_ssl',
      CONCORD_KAFKA_SASL_USERNAME: 'region-ap',
      CONCORD_KAFKA_SASL_PASSWORD_FILE: join(dir, 'nope'),
    });
    expect(() => kafkajsSecurity(missing.kafka.security)).toThrow(/SASL password file .*ENOENT/);
  });

  it('map refused credentials and denied operations to non-retriable codes', () => {
    const refused = mapKafkaError(
      Object.assign(new Error('SASL SCRAM SHA512 authentication failed'), {
        name: 'KafkaJSSASLAuthenticationError',
      }),
    );
    expect(refused).toMatchObject({ code: 'UNAUTHORIZED', retriable: false });
    const denied = mapKafkaError(
      Object.assign(new Error('Not authorized'), { type: 'TOPIC_AUTHORIZATION_FAILED' }),
    );
    expect(denied).toMatchObject({ code: 'FORBIDDEN', retriable: false });
  });
});
