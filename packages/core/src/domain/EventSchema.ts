import type { UnsignedEnvelope } from '../envelope/Envelope.js';
import type { JsonObject } from '../json/JsonValue.js';

/**
 * Turns the `data` of version v into the `data` of version v + 1. Pure and total: it must not
 * mutate its input, read anything but its arguments, or throw for data a writer could have
 * written (leave data it does not understand as it is: the reducer ignores invalid data). The
 * envelope is there for data that depends on it (e.g. a default derived from `origin`).
 */
export type Upcaster = (data: JsonObject, event: UnsignedEnvelope) => JsonObject;

/**
 * Turns the `data` of version v into the `data` of version v − 1, for a writer that writes an
 * older version during a rollout ("read new, write old"). Pure; throws
 * ConcordError('DOMAIN_REJECTED') when the data has no form in the older version (the client
 * then gets 422 until the write version is raised).
 */
export type Downcaster = (data: JsonObject) => JsonObject;

/**
 * The schema of one event type of a domain module (docs/schema-evolution.md). Versions are
 * integers from 1; an event carries its version in `meta.schemaVersion` (absent: 1).
 */
export interface EventSchema {
  /** The version `evolve` and the conflict hooks read: the newest this module knows. Default 1. */
  readonly version?: number;
  /**
   * The version the writer writes (1 … `version`). Default: `version`. Lower than `version`
   * during the expand step of a rollout, until every region reads `version`.
   */
  readonly writeVersion?: number;
  /** `upcast[v]`: version v → v + 1, one for each v in 1 … version − 1. Composed in order. */
  readonly upcast?: Readonly<Record<number, Upcaster>>;
  /** `downcast[v]`: version v → v − 1, one for each v in writeVersion + 1 … version. */
  readonly downcast?: Readonly<Record<number, Downcaster>>;
}

/** Why a module cannot interpret an event: its type or its schema version is unknown to it. */
export interface SchemaGap {
  readonly type: string;
  /** The event's schema version. */
  readonly version: number;
  /** The newest version the module reads for this type; `undefined`: the type is unknown. */
  readonly readable: number | undefined;
}
