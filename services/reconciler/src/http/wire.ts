import type { Envelope, EventId, RegionId, StreamId } from '@concord/core';
import type { StreamEventIds } from '../antiEntropy/classifyMissing.js';
import type { ProjectionProblem } from '../antiEntropy/LocalDigests.js';

/** `GET /v1/digest`: this region's bucket roll-ups, computed independently. */
export interface DigestRollupsResponse {
  readonly region: RegionId;
  /** ISO time the snapshot's read transaction started. */
  readonly computedAt: string;
  readonly streams: number;
  readonly events: number;
  /** Bucket (0–255, as a string key) → roll-up, non-empty buckets only. */
  readonly buckets: Readonly<Record<string, string>>;
  /** The mirror's consumed positions in the same snapshot, `topic:partition` → next offset. */
  readonly offsets: Readonly<Record<string, string>>;
  /** The stored projection checked against the independent fold. */
  readonly projection: {
    readonly mismatches: readonly { stream: StreamId; problems: readonly ProjectionProblem[] }[];
    readonly bucketMismatches: readonly number[];
    /** Streams this reconciler's code cannot fold (a newer schema version): not checked. */
    readonly unverified?: readonly { stream: StreamId; reason: 'schema-version' }[];
  };
}

/** `GET /v1/digest?buckets=…`: the stream digests of those buckets. */
export interface DigestStreamsResponse {
  readonly region: RegionId;
  readonly computedAt: string;
  readonly buckets: readonly number[];
  readonly streams: readonly {
    readonly stream: StreamId;
    readonly bucket: number;
    readonly eventSetHash: string;
    readonly stateHash: string;
    readonly eventCount: number;
    readonly heads: readonly EventId[];
  }[];
}

/**
 * `GET /v1/digest?streams=…`: per stream, the applied ids (with source), the parked ids and,
 * among those, the ids held for their schema version (absent from reconcilers of older code).
 */
export interface DigestIdsResponse {
  readonly region: RegionId;
  readonly streams: Readonly<Record<StreamId, StreamEventIds>>;
}

/** `GET /v1/events?ids=…`: the stored signed envelopes. */
export interface EventsResponse {
  readonly region: RegionId;
  readonly events: readonly Envelope[];
  /** Asked for but not applied here. */
  readonly missing: readonly EventId[];
}

/** The writer's `POST /v1/admin/merges` answer. */
export interface MergeAppendResponse {
  readonly event: Envelope;
  readonly duplicate: boolean;
}
