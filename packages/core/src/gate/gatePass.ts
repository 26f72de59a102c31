import type { Envelope, EventId, StreamId } from '../envelope/Envelope.js';
import { CausalGate } from './CausalGate.js';
import { DUPLICATE_KINDS, type DuplicateKind } from './GateDecision.js';

/*
 * The gate protocol of one apply transaction against a store of record (docs/mirror.md,
 * docs/semantics.md §3): the port the store implements and the pass that runs on it. Pure
 * apart from the port; MemoryGateStore is an in-memory implementation.
 */

/** An event on its way through the gate: what the gate reads, plus where it came from. */
export interface Candidate {
  readonly id: EventId;
  readonly parents: readonly EventId[];
  readonly causedBy?: EventId;
  readonly stream: StreamId;
  readonly envelope: Envelope;
  /** `<topic>:<partition>@<offset>` (or the pending row's source). */
  readonly source: string;
  /** The serialized envelope to store (the record value as received, when there is one). */
  readonly text: string;
  /** Set when the candidate was restored from a pending row. */
  readonly parkedAt?: number;
  /** Replay of the stored events keeps each event's applied_seq. */
  readonly appliedSeq?: string;
}

/** An applied event as the gate and the fold need it. */
export interface AppliedRef {
  readonly stream: StreamId;
  readonly position: number;
}

/** A parked event as stored (a row of `projection.pending`). */
export interface PendingRow {
  readonly id: EventId;
  readonly envelope: Envelope;
  readonly text: string;
  readonly missing: readonly EventId[];
  readonly parkedAt: number;
  readonly source: string;
}

/** The candidate of an envelope. */
export function candidateOf(
  envelope: Envelope,
  source: string,
  text: string,
  parkedAt?: number,
): Candidate {
  return {
    id: envelope.id,
    parents: envelope.parents,
    ...(envelope.causedBy === undefined ? {} : { causedBy: envelope.causedBy }),
    stream: envelope.stream,
    envelope,
    source,
    text,
    ...(parkedAt === undefined ? {} : { parkedAt }),
  };
}

/**
 * What the gate pass needs from the store of record (Postgres, or an in-memory double in
 * tests). Every answer must reflect the current transaction.
 */
export interface GateStore {
  /** The applied events among `ids`, with their stream and fold position. */
  appliedAmong(ids: readonly EventId[]): Promise<ReadonlyMap<EventId, AppliedRef>>;
  /**
   * In one look-up: the parked rows whose id is among `ids` or whose `missing` overlaps `ids`
   * (the parked duplicates of a batch and the rows its events may unpark).
   */
  pendingAmongOrWaitingOn(ids: readonly EventId[]): Promise<PendingRow[]>;
  /** Parked rows whose `missing` overlaps `ids`, except the rows in `exclude`. */
  pendingWaitingOn(ids: readonly EventId[], exclude: readonly EventId[]): Promise<PendingRow[]>;
}

export interface ParkedCandidate {
  readonly candidate: Candidate;
  readonly missing: readonly EventId[];
  readonly parkedAt: number;
}

export interface GatePassResult {
  /** Events to apply, each after its dependencies (incoming ones and unparked rows). */
  readonly ready: readonly Candidate[];
  /** Incoming events that must wait: insert into pending. */
  readonly parked: readonly ParkedCandidate[];
  /** Pending rows now in `ready`: delete. */
  readonly unparkedRows: readonly EventId[];
  /** Pending rows whose event is applied already (must not happen): delete. */
  readonly staleRows: readonly EventId[];
  /** Pending rows read but still waiting, with what they still miss (update when it changed). */
  readonly stillParkedRows: readonly {
    readonly id: EventId;
    readonly missing: readonly EventId[];
    readonly envelope: Envelope;
  }[];
  /** Incoming events dropped as duplicates. */
  readonly duplicates: readonly { readonly candidate: Candidate; readonly kind: DuplicateKind }[];
  /** Every already-applied event the pass looked up (dependencies of `ready` among them). */
  readonly applied: ReadonlyMap<EventId, AppliedRef>;
}

function sameIds(a: readonly EventId[], b: readonly EventId[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((id, i) => id === sorted[i]);
}

/**
 * The causal gate of one apply transaction, with the store as the truth. A fresh
 * {@link CausalGate} decides the incoming events against the applied ids looked up in the
 * store (core protocol: `unknownIds` → look up → `decide`); then, as long as events become
 * ready, the pending rows waiting for them (`missing` overlaps the newly ready ids, a GIN
 * look-up) are restored into the gate, which unparks what is complete — across streams and
 * sources, transitively, including incoming events that were waiting for those rows. Nothing
 * is kept between transactions, so several mirror instances writing one database (a
 * rebalance) never act on a stale view of what is parked. `initialRows` (the safety sweep, the
 * release of held events after an upgrade) are pending rows to restore up front. `hold` is the
 * gate's hold: an event this code cannot interpret stays parked, missing only
 * SCHEMA_UPGRADE_DEPENDENCY, and what depends on it waits for it.
 */
export async function gatePass(
  incoming: readonly Candidate[],
  store: GateStore,
  now: () => number = Date.now,
  initialRows: readonly PendingRow[] = [],
  hold?: (candidate: Candidate) => EventId | undefined,
): Promise<GatePassResult> {
  const applied = new Map<EventId, AppliedRef>();
  const notApplied = new Set<EventId>();
  const lookUp = async (ids: readonly EventId[]) => {
    const needed = ids.filter((id) => !applied.has(id) && !notApplied.has(id));
    if (needed.length === 0) return;
    const found = await store.appliedAmong(needed);
    for (const id of needed) {
      const ref = found.get(id);
      if (ref) applied.set(id, ref);
      else notApplied.add(id);
    }
  };
  const isApplied = (id: EventId) => applied.has(id);

  const duplicates: { candidate: Candidate; kind: DuplicateKind }[] = [];
  const incomingIds = [...new Set(incoming.map((c) => c.id))];
  // One round trip for the common case: the parked duplicates, and the rows this batch may
  // unpark first (their `missing` overlaps the batch, hence the first ready ids).
  const nearby = await store.pendingAmongOrWaitingOn(incomingIds);
  const incomingSet = new Set(incomingIds);
  const parkedIds = new Set(nearby.filter((row) => incomingSet.has(row.id)).map((row) => row.id));
  const candidates: Candidate[] = [];
  for (const candidate of incoming) {
    if (parkedIds.has(candidate.id))
      duplicates.push({ candidate, kind: DUPLICATE_KINDS.alreadyParked });
    else candidates.push(candidate);
  }

  const gate = new CausalGate<Candidate>({
    now,
    appliedCacheSize: Infinity,
    ...(hold === undefined ? {} : { hold }),
  });
  await lookUp(gate.unknownIds(candidates));
  const first = gate.decide(candidates, isApplied);
  gate.commit(first);
  for (const { event, kind } of first.duplicates) duplicates.push({ candidate: event, kind });
  const ready: Candidate[] = [...first.ready];
  const parkedAt = new Map(first.parked.map((p) => [p.event.id, p.parkedAt] as const));

  const loaded = new Map<EventId, PendingRow>();
  const staleRows: EventId[] = [];
  // Restored first: the rows handed in (the safety sweep) and the prefetched rows waiting for
  // what the batch made ready (the prefetch covers that first frontier); later frontiers — what
  // the restored rows unpark — are asked of the store.
  const firstReady = new Set(first.ready.map((c) => c.id));
  const handed = new Set(initialRows.map((row) => row.id));
  let toRestore = [
    ...initialRows,
    ...nearby.filter((row) => !handed.has(row.id) && row.missing.some((id) => firstReady.has(id))),
  ];
  let frontier: EventId[] = [];
  for (;;) {
    if (toRestore.length === 0) {
      if (frontier.length === 0) break;
      const rows = await store.pendingWaitingOn(frontier, [...loaded.keys()]);
      toRestore = rows.filter((row) => !loaded.has(row.id));
      if (toRestore.length === 0) break;
    }
    for (const row of toRestore) loaded.set(row.id, row);
    const restored = toRestore.map((row) => ({
      event: candidateOf(row.envelope, row.source, row.text, row.parkedAt),
      parkedAt: row.parkedAt,
    }));
    toRestore = [];
    await lookUp(gate.unknownIds(restored.map((r) => r.event)));
    const decision = gate.restore(restored, isApplied);
    gate.commit(decision);
    for (const { event, kind } of decision.duplicates) {
      if (kind === DUPLICATE_KINDS.alreadyApplied) staleRows.push(event.id);
    }
    ready.push(...decision.ready);
    frontier = decision.ready.map((c) => c.id);
  }

  const parked: ParkedCandidate[] = [];
  for (const p of first.parked) {
    if (!gate.isParked(p.event.id)) continue;
    parked.push({
      candidate: p.event,
      missing: gate.missingFor(p.event.id) ?? p.missing,
      parkedAt: parkedAt.get(p.event.id) ?? p.parkedAt,
    });
  }
  const unparkedRows: EventId[] = [];
  const stillParkedRows: { id: EventId; missing: EventId[]; envelope: Envelope }[] = [];
  const stale = new Set(staleRows);
  for (const row of loaded.values()) {
    if (stale.has(row.id)) continue;
    const missing = gate.missingFor(row.id);
    if (missing === undefined) unparkedRows.push(row.id);
    else if (!sameIds(missing, row.missing))
      stillParkedRows.push({ id: row.id, missing, envelope: row.envelope });
  }
  return { ready, parked, unparkedRows, staleRows, stillParkedRows, duplicates, applied };
}
