import type { EventId, StreamId, UnsignedEnvelope } from '../envelope/Envelope.js';
import type { ConflictBranch, ContestedField, DomainModule } from '../domain/DomainModule.js';
import type { StreamFold } from '../fold/StreamFold.js';
import { analyzeConflict } from './analyzeConflict.js';
import type { Conflict } from './Conflict.js';

/** What the conflicts table keeps of a conflict beyond its columns (docs/semantics.md §5). */
export interface ConflictDetails {
  readonly category: string;
  readonly branches: readonly ConflictBranch[];
  readonly contested: readonly ContestedField[];
  readonly winners: Readonly<Record<string, EventId>>;
}

/** An open conflict as the conflicts table stores it: its columns and its details. */
export interface ConflictRecord {
  readonly id: string;
  readonly stream: StreamId;
  /** Sorted. */
  readonly heads: readonly EventId[];
  readonly policy: string;
  readonly contestedFields: readonly string[];
  readonly details: ConflictDetails;
}

/** The stored record of a conflict (the one mapping every writer of the table uses). */
export function toConflictRecord(conflict: Conflict): ConflictRecord {
  return {
    id: conflict.id,
    stream: conflict.stream,
    heads: conflict.heads,
    policy: conflict.policy,
    contestedFields: conflict.contestedFields,
    details: {
      category: conflict.category,
      branches: conflict.branches,
      contested: conflict.contested,
      winners: conflict.winners,
    },
  };
}

/** A stream as stored: its row and its events in fold order with their no-op flags. */
export interface StoredStream<S> {
  readonly stream: StreamId;
  readonly state: S;
  readonly heads: readonly EventId[];
  readonly version: number;
  readonly events: readonly { readonly envelope: UnsignedEnvelope; readonly noop: boolean }[];
}

/**
 * The conflict record of a stored stream (its fold rebuilt from the row and the events), or
 * `null` when it has at most one head.
 */
export function storedConflictRecord<S>(
  stored: StoredStream<S>,
  module: DomainModule<S>,
): ConflictRecord | null {
  const fold: StreamFold<S> = {
    stream: stored.stream,
    state: stored.state,
    heads: [...stored.heads].sort(),
    version: stored.version,
    order: stored.events.map((e) => e.envelope),
    noops: stored.events.filter((e) => e.noop).map((e) => e.envelope.id),
    idempotencyKeys: new Map(),
    checkpoints: [],
  };
  const analysis = analyzeConflict({ fold }, module);
  return analysis ? toConflictRecord(analysis.conflict) : null;
}
