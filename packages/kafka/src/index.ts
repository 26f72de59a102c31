/**
 * @concord/kafka — the Kafka adapter (kafkajs): client factory, the group-committing
 * idempotent producer, topic administration and the kafkajs error mapping.
 */
export { createKafka, type CreateKafkaOptions, type KafkaLogSink } from './createKafka.js';
export {
  EventProducer,
  type EventProducerOptions,
  type OutgoingRecord,
  type RecordPosition,
} from './EventProducer.js';
export {
  adminTopicOffsets,
  createConsumer,
  headerValue,
  topicOffsets,
  type ConsumerOptions,
  type PartitionOffsets,
} from './createConsumer.js';
export { mapKafkaError } from './kafkaErrors.js';
export {
  classifyProduceFailure,
  produceError,
  type ProduceFailure,
  type ProduceStage,
} from './produceOutcome.js';
export {
  kafkaSecurityFor,
  kafkajsSecurity,
  PLAINTEXT,
  type KafkaSecurity,
} from './kafkaSecurity.js';
export { ensureTopics, type TopicSpec } from './topicsAdmin.js';
export type {
  Admin,
  Batch,
  Consumer,
  EachBatchPayload,
  IHeaders,
  Kafka,
  KafkaMessage,
} from 'kafkajs';
