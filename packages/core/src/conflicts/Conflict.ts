import type { EventId, StreamId } from '../envelope/Envelope.js';
import type { ConflictBranch, ContestedField, ResolutionPolicy } from '../domain/DomainModule.js';

/**
 * An open conflict: a stream with more than one head (docs/semantics.md §5). Every region computes the
 * same record from the same applied set.
 */
export interface Conflict {
  /** UUIDv5 of the stream and the sorted heads. */
  readonly id: string;
  readonly stream: StreamId;
  readonly category: string;
  readonly policy: ResolutionPolicy;
  /** Sorted. */
  readonly heads: readonly EventId[];
  /** Per head, the events in its causal past that are not common to all heads. */
  readonly branches: readonly ConflictBranch[];
  /** The contested fields' names, sorted (empty when the domain cannot tell). */
  readonly contestedFields: readonly string[];
  /** The contested fields with their concurrent writers and fold winners. */
  readonly contested: readonly ContestedField[];
  /** Field → the event whose write the fold kept, where the domain can tell. */
  readonly winners: Readonly<Record<string, EventId>>;
}
