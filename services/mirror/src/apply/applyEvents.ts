import {
  parseSourcePosition,
  SCHEMA_UPGRADE_DEPENDENCY,
  type DuplicateKind,
  type ConflictClosing,
  type Envelope,
  type EventId,
  type StreamId,
} from '@concord/core';
import type { EventInsert, PendingInsert, ApplyStore } from '../store/ProjectionStore.js';
import { dlqOutboxRow, type DlqOutboxRow } from '../dlq/dlqRecord.js';
import type { Candidate, PendingRow, Rejection } from './ApplyTypes.js';
import {
  foldOutcome,
  groupByStream,
  keysUsed,
  planFold,
  type FoldOutcome,
  type FoldPlan,
  type SuffixEvent,
} from './foldStreams.js';
import { gatePass, screenReady } from './gatePass.js';
import { screenMerges } from './mergeScreen.js';
import {
  persistStreamChanges,
  type StreamChange,
  type StreamChangeOptions,
} from './persistStreamChanges.js';
import { foldGuarded } from './refusal.js';

export { persistStreamChanges, type StreamChange };

/** What applying a set of events needs to know, beyond the store. */
export interface ApplyEventsOptions extends StreamChangeOptions {
  readonly region: string;
  /** Every region of the deployment: merges are judged by its ownership rule. */
  readonly regions: readonly string[];
  readonly checkpointEvery: number;
  /**
   * Events the Applier isolated after their apply failed deterministically: refused to the DLQ
   * with these rejections (their dependants stay parked on them), see docs/mirror.md.
   */
  readonly refuse?: ReadonlyMap<EventId, Rejection>;
  readonly now?: () => number;
}

/** The effect of one application, for metrics, spans and the caller's bookkeeping. */
export interface ApplyEventsResult {
  /** Applied events, in applied order. */
  readonly applied: readonly Envelope[];
  readonly parked: number;
  /**
   * Events newly held for their schema version (parked, or parked rows whose dependencies
   * arrived): this code cannot interpret them; they wait for an upgrade.
   */
  readonly held: readonly Envelope[];
  readonly unparked: number;
  readonly duplicates: ReadonlyMap<DuplicateKind | 'idempotency-noop', number>;
  /** DLQ rows written for refused events (by the screen). */
  readonly dlq: readonly DlqOutboxRow[];
  readonly conflictsDetected: number;
  readonly conflictsClosed: readonly ConflictClosing[];
  readonly slowPathStreams: number;
  readonly touchedStreams: readonly StreamId[];
  readonly staleRows: number;
}

function count<K>(map: Map<K, number>, key: K, n = 1): void {
  if (n > 0) map.set(key, (map.get(key) ?? 0) + n);
}

/** `source` of a candidate back to topic/partition/offset for a DLQ header (unparsable: -1). */
function dlqSource(source: string): { topic: string; partition: number; offset: bigint } {
  const parsed = parseSourcePosition(source);
  return parsed.ok ? parsed.position : { topic: source, partition: -1, offset: -1n };
}

/**
 * Applies events (already parsed and verified) inside the caller's transaction, which must
 * hold the apply lock: dedupe and causal gate against the store, fold every touched stream
 * (fast path or snapshot-rule recompute), then write events, fold positions, checkpoints,
 * stream rows (state, heads, digests), bucket roll-ups, conflicts, read models and the
 * pending changes — each as one batched statement.
 */
export async function applyEvents(
  store: ApplyStore,
  incoming: readonly Candidate[],
  options: ApplyEventsOptions,
  pendingRows: readonly PendingRow[] = [],
): Promise<ApplyEventsResult> {
  const now = options.now ?? Date.now;
  const duplicates = new Map<DuplicateKind | 'idempotency-noop', number>();
  // An event this code cannot interpret (schema version, type) is held: parked until upgraded.
  const hold = (candidate: Candidate) => options.registry.holdFor(candidate.envelope);
  const gate = await gatePass(incoming, store, now, pendingRows, hold);
  for (const d of gate.duplicates) count(duplicates, d.kind);
  const streamScreen = screenReady(gate.ready, gate.applied, options.refuse);
  // Merges are judged before anything of them is written (mergeScreen.ts).
  const mergeScreen = await screenMerges(
    streamScreen.accepted,
    store,
    options.registry,
    options.regions,
  );
  const screen = {
    accepted: mergeScreen.accepted,
    rejected: [...streamScreen.rejected, ...mergeScreen.rejected],
    deferred: [...streamScreen.deferred, ...mergeScreen.deferred],
  };

  // The fold of every touched stream.
  const groups = groupByStream(screen.accepted);
  const rows = await store.streamRows([...groups.keys()]);
  const plans: FoldPlan[] = [...groups].map(([stream, added]) =>
    planFold(stream, added, rows.get(stream), gate.applied),
  );
  const slow = plans.filter((p) => !p.fast);
  const checkpoints = await store.checkpointsAtOrBefore(
    slow.map((p) => ({ stream: p.stream, bound: p.bound })),
  );
  // Where each stream's fold resumes: its current state (fast path), the latest checkpoint
  // within the stable prefix, or the initial state (`known: false`).
  const snapshotOf = (plan: FoldPlan): { position: number; state: unknown; known: boolean } => {
    if (plan.fast) {
      return plan.row
        ? { position: plan.row.version, state: plan.row.state, known: true }
        : { position: 0, state: undefined, known: false };
    }
    const stored = checkpoints.get(plan.stream);
    return stored ? { ...stored, known: true } : { position: 0, state: undefined, known: false };
  };
  const suffixes = await store.suffixes(
    slow.map((p) => ({ stream: p.stream, from: snapshotOf(p).position })),
  );
  const keyPairs: { stream: StreamId; key: string }[] = [];
  for (const plan of plans) {
    for (const key of keysUsed(plan, suffixes.get(plan.stream) ?? [])) {
      keyPairs.push({ stream: plan.stream, key });
    }
  }
  const taken = await store.takenKeys(keyPairs);
  const outcomes: FoldOutcome[] = plans.map((plan) => {
    const module = options.registry.forStream(plan.stream);
    const snapshot = snapshotOf(plan);
    const state = snapshot.known ? snapshot.state : module.reducer.initialState();
    const suffix: SuffixEvent[] = suffixes.get(plan.stream) ?? [];
    const takenKeys = new Map<string, EventId>();
    for (const t of taken) {
      if (t.stream === plan.stream && t.position < snapshot.position) takenKeys.set(t.key, t.id);
    }
    // A reducer that throws on a new event refuses that event (EventRefusal).
    const added = new Set(plan.added.map((c) => c.id));
    return foldGuarded(module.reducer, added, (reducer) =>
      foldOutcome({
        plan,
        reducer,
        snapshot: { position: snapshot.position, state },
        suffix,
        takenKeys,
        checkpointEvery: options.checkpointEvery,
      }),
    );
  });

  // Events, in applied (causal) order across streams.
  const positions = new Map<EventId, { position: number; noop: boolean }>();
  for (const o of outcomes) {
    for (const i of o.inserts) positions.set(i.candidate.id, i);
    count(duplicates, 'idempotency-noop', o.newNoops.length);
  }
  const inserts: EventInsert[] = screen.accepted.map((c) => {
    const p = positions.get(c.id)!;
    return {
      envelope: c.envelope,
      text: c.text,
      position: p.position,
      noop: p.noop,
      source: c.source,
      ...(c.appliedSeq === undefined ? {} : { appliedSeq: c.appliedSeq }),
    };
  });
  await store.insertEvents(inserts);
  await store.moveEvents(outcomes.flatMap((o) => o.moves));
  await store.replaceCheckpoints(
    outcomes.filter((o) => !o.fast).map((o) => ({ stream: o.stream, from: o.from })),
    outcomes.flatMap((o) =>
      o.checkpoints.map((c) => ({ stream: o.stream, position: c.position, state: c.state })),
    ),
  );
  const { conflictsDetected, closings } = await persistStreamChanges(store, outcomes, options);

  // Pending: park the waiting, forget the applied, refresh what rows still miss.
  const loadedIds = new Set([...gate.unparkedRows, ...gate.staleRows]);
  const deferredRows = screen.deferred.filter((d) => d.candidate.parkedAt !== undefined);
  const deferredIncoming = screen.deferred.filter((d) => d.candidate.parkedAt === undefined);
  const parkedRows: PendingInsert[] = [
    ...gate.parked.map((p) => ({
      id: p.candidate.id,
      stream: p.candidate.stream,
      text: p.candidate.text,
      missing: p.missing,
      source: p.candidate.source,
      parkedAt: p.parkedAt,
    })),
    ...deferredIncoming.map((d) => ({
      id: d.candidate.id,
      stream: d.candidate.stream,
      text: d.candidate.text,
      missing: d.missing,
      source: d.candidate.source,
      parkedAt: now(),
    })),
  ];
  await store.insertPending(parkedRows);
  const deferredRowIds = new Set(deferredRows.map((d) => d.candidate.id));
  await store.deletePending([...loadedIds].filter((id) => !deferredRowIds.has(id)));
  await store.updatePendingMissing([
    ...gate.stillParkedRows,
    ...deferredRows.map((d) => ({ id: d.candidate.id, missing: d.missing })),
  ]);

  // Refused events go to the DLQ (and their pending row, if any, away).
  const dlq = screen.rejected.map(({ candidate, rejection }) => {
    const at = dlqSource(candidate.source);
    return dlqOutboxRow({
      rejection,
      region: options.region,
      topic: at.topic,
      partition: at.partition,
      offset: at.offset,
      key: Buffer.from(candidate.stream),
      value: Buffer.from(candidate.text),
    });
  });

  const isHeld = (missing: readonly EventId[]) => missing.includes(SCHEMA_UPGRADE_DEPENDENCY);
  const held = [
    ...gate.parked.filter((p) => isHeld(p.missing)).map((p) => p.candidate.envelope),
    ...gate.stillParkedRows.filter((r) => isHeld(r.missing)).map((r) => r.envelope),
  ];

  return {
    applied: screen.accepted.map((c) => c.envelope),
    parked: parkedRows.length,
    held,
    unparked: gate.unparkedRows.length - deferredRows.length,
    duplicates,
    dlq,
    conflictsDetected,
    conflictsClosed: closings,
    slowPathStreams: slow.length,
    touchedStreams: outcomes.map((o) => o.stream),
    staleRows: gate.staleRows.length,
  };
}
