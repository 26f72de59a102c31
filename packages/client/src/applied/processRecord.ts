import { ConcordClientError } from '../errors.js';
import type { AppliedEvent, ParsedAppliedRecord } from './appliedRecord.js';

/**
 * What consumeApplied does with one record of the applied feed, in one transaction of the
 * app's store (docs/client.md, "consumeApplied"): the checkpoint of the record's partition is
 * locked; a record before it is already handled; an event id seen before is a duplicate of
 * the at-least-once feed; otherwise the handler runs; then the checkpoint moves past the
 * record. The handler's writes, the seen id and the checkpoint commit together or not at all.
 */

/** The position of one partition of one topic for one consumer group. */
export interface PartitionKey {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
}

/** One open transaction of the checkpoint store. */
export interface CheckpointTransaction<C> {
  /** The transaction's connection, handed to the handler. */
  readonly client: C;
  /** Locks the partition's checkpoint until commit; the next offset to handle, null when none. */
  lockCheckpoint(key: PartitionKey): Promise<bigint | null>;
  /** Records `eventId` as handled by the group; false when it already was. */
  markSeen(key: PartitionKey, eventId: string, offset: bigint): Promise<boolean>;
  /** Records a malformed record that was skipped. */
  recordInvalid(key: PartitionKey, offset: bigint, reason: string): Promise<void>;
  /** Sets the partition's next offset. */
  advance(key: PartitionKey, nextOffset: bigint): Promise<void>;
}

/** Where consumeApplied keeps its checkpoints (the app's Postgres in production). */
export interface CheckpointStore<C> {
  /** The next offset to handle of a partition, null when it has none. */
  load(key: PartitionKey): Promise<bigint | null>;
  /** Runs `fn` in one transaction: commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: CheckpointTransaction<C>) => Promise<T>): Promise<T>;
}

export type AppliedHandler<C> = (event: AppliedEvent, client: C) => Promise<void> | void;

export type InvalidPolicy = 'stop' | 'skip';

/** What became of a record. */
export type RecordOutcome =
  /** The handler ran and committed. */
  | 'handled'
  /** Its event id was handled before (a duplicate on the feed): skipped, checkpoint moved. */
  | 'duplicate'
  /** Before the checkpoint (redelivered after a restart or rebalance): nothing done. */
  | 'behind'
  /** Malformed and skipped (`onInvalid: 'skip'`): recorded, checkpoint moved. */
  | 'invalid';

/** The decision for a record at `offset`, given the locked checkpoint `next` (pure). */
export function positionVerdict(next: bigint | null, offset: bigint): 'behind' | 'handle' {
  return next !== null && offset < next ? 'behind' : 'handle';
}

/**
 * Handles one record: one transaction of `store`. Throws a ConcordClientError
 * `APPLIED_RECORD_INVALID` (malformed, `onInvalid: 'stop'`) or `APPLIED_HANDLER_FAILED` (the
 * handler threw), after the rollback; any other error is the store's.
 */
export async function processRecord<C>(
  store: CheckpointStore<C>,
  key: PartitionKey,
  offset: bigint,
  parsed: ParsedAppliedRecord,
  handler: AppliedHandler<C>,
  onInvalid: InvalidPolicy,
): Promise<RecordOutcome> {
  return store.transaction(async (tx) => {
    const next = await tx.lockCheckpoint(key);
    if (positionVerdict(next, offset) === 'behind') return 'behind';
    if (!parsed.ok) {
      if (onInvalid === 'stop') {
        throw new ConcordClientError(
          'APPLIED_RECORD_INVALID',
          `malformed applied record ${key.topic}/${key.partition}@${offset}: ${parsed.reason}`,
          {
            details: {
              topic: key.topic,
              partition: key.partition,
              offset: offset.toString(),
              reason: parsed.reason,
            },
          },
        );
      }
      await tx.recordInvalid(key, offset, parsed.reason);
      await tx.advance(key, offset + 1n);
      return 'invalid';
    }
    const first = await tx.markSeen(key, parsed.event.id, offset);
    if (first) {
      try {
        await handler(parsed.event, tx.client);
      } catch (error) {
        throw new ConcordClientError(
          'APPLIED_HANDLER_FAILED',
          `the handler failed on event ${parsed.event.id} (${key.topic}/${key.partition}@${offset})`,
          {
            details: { eventId: parsed.event.id, offset: offset.toString() },
            cause: error,
          },
        );
      }
    }
    await tx.advance(key, offset + 1n);
    return first ? 'handled' : 'duplicate';
  });
}
