import { z } from 'zod';

import { int, spec } from './settingSchemas.js';

/** Global settings (docs/configuration.md), part of `settings`: Kafka broker version and sizing, request timeout, cross-region security and credentials, MirrorMaker 2. */
export const kafkaSettings = {
  kafkaVersion: spec({
    env: 'CONCORD_KAFKA_VERSION',
    schema: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a version like 4.1.2'),
    default: '4.1.2',
    doc: 'Apache Kafka version fetched from Maven Central (org.apache.kafka:kafka_2.13).',
  }),
  kafkaHeapMb: spec({
    env: 'CONCORD_KAFKA_HEAP_MB',
    schema: int(128, 8192),
    default: 256,
    doc: 'Maximum Java heap per local broker, in MiB.',
  }),
  kafkaPartitions: spec({
    env: 'CONCORD_KAFKA_PARTITIONS',
    schema: int(1, 256),
    default: 4,
    doc: 'Partitions of each events topic (Kafka key = stream, so one stream stays in one partition).',
  }),
  kafkaRequestTimeoutMs: spec({
    env: 'CONCORD_KAFKA_REQUEST_TIMEOUT_MS',
    schema: int(100, 300000),
    default: 5000,
    doc: 'kafkajs request timeout, in ms; also bounds how long a writer waits for an ack before answering 503.',
  }),
  kafkaSecurity: spec({
    env: 'CONCORD_KAFKA_SECURITY',
    schema: z.enum(['plaintext', 'sasl_ssl']),
    default: 'plaintext',
    doc: 'Security of connections to another region’s Kafka (the WAN: a mirror reading a remote region in `direct` mode, MirrorMaker 2’s sources): `plaintext`, or `sasl_ssl` (TLS with hostname verification + SASL/SCRAM-SHA-512). Connections inside a region stay plaintext. `concord run` sets it, with the credentials below, on a stack brought up with `--secure` (docs/local-stack.md).',
  }),
  kafkaCaFile: spec({
    env: 'CONCORD_KAFKA_CA_FILE',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(Node’s built-in CAs)',
    doc: 'PEM file of the CA certificates that sign the remote brokers’ certificates (`sasl_ssl`).',
  }),
  kafkaSaslUsername: spec({
    env: 'CONCORD_KAFKA_SASL_USERNAME',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(none)',
    doc: 'SCRAM-SHA-512 user this process authenticates as on remote brokers (`sasl_ssl`; required then).',
  }),
  kafkaSaslPassword: spec({
    env: 'CONCORD_KAFKA_SASL_PASSWORD',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(none)',
    doc: 'Its password. Prefer CONCORD_KAFKA_SASL_PASSWORD_FILE (the environment of a process is easy to leak); never logged or printed.',
  }),
  kafkaSaslPasswordFile: spec({
    env: 'CONCORD_KAFKA_SASL_PASSWORD_FILE',
    schema: z.string().min(1),
    default: undefined,
    defaultText: '(none)',
    doc: 'File holding the password (first line; read when a Kafka client is created). Wins over CONCORD_KAFKA_SASL_PASSWORD.',
  }),
  mm2HeapMb: spec({
    env: 'CONCORD_MM2_HEAP_MB',
    schema: int(96, 8192),
    default: 128,
    doc: 'Maximum Java heap of each local MirrorMaker 2 process (`concord stack up --mm2`), in MiB.',
  }),
} as const;
