export {
  ENVELOPE_VERSION,
  EVENT_TYPES,
  isMergeEvent,
  isReservedType,
  MERGE_EVENT_TYPE,
  RESERVED_TYPE_PREFIX,
  withoutSignature,
  type Envelope,
  type EnvelopeMeta,
  type EventId,
  type RegionId,
  type StreamId,
  type UnsignedEnvelope,
} from './Envelope.js';
export { createEnvelopeSchema } from './envelopeSchema.js';
export { envelopeJsonSchema } from './envelopeJsonSchema.js';
export {
  CONCORD_NAMESPACE,
  conflictId,
  deterministicId,
  isEventId,
  isUuidV7,
  mergeDataHash,
  mergeEventId,
  newEventId,
  type NewEventIdOptions,
} from './ids.js';
export {
  ENVELOPE_LIMITS,
  REGION_PATTERN,
  SIGNATURE_PATTERN,
  STREAM_PATTERN,
  TYPE_PATTERN,
  UUID_PATTERN,
} from './limits.js';
export {
  encodeEnvelope,
  parseEnvelope,
  parseUnsignedEnvelope,
  safeParseEnvelope,
  serializeEnvelope,
  type EnvelopeParseResult,
  type ParseEnvelopeOptions,
} from './parseEnvelope.js';
export {
  createSigner,
  exportPublicKey,
  generateRegionKeyPair,
  importPrivateKey,
  importPublicKey,
  RegionKeyring,
  type EnvelopeSigner,
} from './RegionKeyring.js';
export {
  isSignatureValid,
  signEnvelope,
  signingPayload,
  verifyEnvelope,
  verifyEnvelopeAsync,
  verifyEnvelopes,
  type VerificationResult,
} from './signEnvelope.js';
export {
  isSchemaVersion,
  MAX_SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
  schemaVersionOf,
  withSchemaVersion,
} from './schemaVersion.js';
export { streamCategory } from './streamCategory.js';
