import { ConcordError, idempotencyVerdict, type Envelope, type KeyedRecord } from '@concord/core';
import type { Metrics } from '@concord/telemetry';
import type { LoadedChain } from '../heads/OwnChainStore.js';
import type { ProjectionSnapshot } from '../heads/ProjectionSnapshots.js';
import type { IdempotencyRecord } from '../idempotency/IdempotencyStore.js';
import type { AppendCommand } from './AppendCommand.js';
import type { AppendResult } from './appendTypes.js';
import type { LogPosition } from './EventLog.js';
import { payloadHash } from './payloadHash.js';

/** The payload hash an earlier event vouches for (its own, or recomputed for foreign events). */
export function hashOf(event: Envelope): string {
  const stored = event.meta.payloadHash;
  return typeof stored === 'string'
    ? stored
    : payloadHash({ type: event.type, data: event.data, causedBy: event.causedBy });
}

/** An earlier event of the key, with where the log holds it when this process knows. */
export type EarlierRecord = KeyedRecord<Envelope> & { readonly position?: LogPosition | undefined };

const keyed = (event: Envelope | undefined, position?: LogPosition): EarlierRecord | undefined =>
  event === undefined ? undefined : { payloadHash: hashOf(event), event, position };

/**
 * The earlier events of the key in order of authority (docs/writer.md §2 step 6, §4): the
 * projection's first event in fold order is the truth; then this process's own unprojected
 * events; then Redis (which also knows other writer processes' unprojected events).
 */
export function earlierWithKey(
  key: string,
  snapshot: ProjectionSnapshot,
  chain: LoadedChain,
  remembered: IdempotencyRecord | undefined,
): readonly (EarlierRecord | undefined)[] {
  const own = chain.entries.find((e) => e.envelope?.idempotencyKey === key);
  return [keyed(snapshot.keyed), keyed(own?.envelope, own?.position), remembered];
}

/**
 * The answer to a command whose key an earlier event carries: that event (200, counted in
 * `concord_duplicates_total{kind="idempotency-key"}`), or 422 `IDEMPOTENCY_KEY_REUSED` for
 * another payload; `undefined` when no earlier event has the key.
 */
export function answerRepeat(
  command: AppendCommand,
  hash: string,
  earlier: readonly (EarlierRecord | undefined)[],
  metrics: Metrics,
): AppendResult | undefined {
  const verdict = idempotencyVerdict(hash, earlier);
  switch (verdict.kind) {
    case 'new':
      return undefined;
    case 'reused':
      throw new ConcordError(
        'IDEMPOTENCY_KEY_REUSED',
        `idempotency key already used in stream ${command.stream} for another payload`,
        { details: { idempotencyKey: command.idempotencyKey, eventId: verdict.event.id } },
      );
    case 'duplicate':
      metrics.duplicates.inc({ kind: 'idempotency-key' });
      return {
        event: verdict.event,
        duplicate: true,
        // Where the log holds it, if some record of it says (the session covers it by that).
        position: earlier.find((r) => r?.event.id === verdict.event.id && r.position)?.position,
      };
  }
}
