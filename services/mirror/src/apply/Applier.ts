import {
  readsHeldKind,
  schemaVersionOf,
  sleep,
  withRetry,
  type DomainRegistry,
  type Envelope,
  type EventId,
} from '@concord/core';
import { classifyApplyError, inTransaction, type pg } from '@concord/postgres';
import type { Logger } from '@concord/telemetry';
import { ProjectionStore } from '../store/ProjectionStore.js';
import { TransactionStore } from '../store/TransactionStore.js';
import { APPLY_LOCK, LIVE_SCHEMA } from '../store/locks.js';
import type { MirrorTelemetry } from '../telemetry/MirrorTelemetry.js';
import type { PartitionSubmission, Rejection, SubmissionOutcome } from './ApplyTypes.js';
import { applyRound, notifyPayload, type RoundResult } from './applyRound.js';
import { applyEvents } from './applyEvents.js';
import { joinOutcomes, splitSubmissions } from './isolate.js';
import { EventRefusal, ReducerFailure, reducerRejection, storeRejection } from './refusal.js';

export interface ApplierOptions {
  readonly region: string;
  readonly registry: DomainRegistry;
  /** Every region of the deployment (merge validation). */
  readonly regions: readonly string[];
  readonly readModels: { account?: unknown; cart?: unknown; profile?: unknown };
  readonly checkpointEvery: number;
  /** Records per transaction, at most (a single larger submission still goes alone). */
  readonly maxRoundRecords: number;
  readonly logger: Logger;
  readonly telemetry: MirrorTelemetry;
  /** Called after each commit that applied or rejected something (wakes the feed publisher). */
  readonly onCommit?: () => void;
  /** Called after each commit with the events it applied (instrumentation, benchmarks). */
  readonly onApplied?: (events: readonly Envelope[], committedAt: number) => void;
  /** Called when the projection generation changed under us (replay swapped the schema). */
  readonly onGeneration?: (previous: number | undefined, current: number) => void;
}

interface Queued {
  readonly submission: PartitionSubmission;
  readonly resolve: (outcome: SubmissionOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/** What the applier has done so far (for `stats()` and tests). */
export interface ApplierStats {
  applied: number;
  dlq: number;
  parked: number;
  unparked: number;
  duplicates: number;
  transactions: number;
  failures: number;
  sweepUnparked: number;
  /** Events held for their schema version, and held events released after an upgrade. */
  schemaHeld: number;
  schemaReleased: number;
  firstRoundStartedAt: number | undefined;
  /** When the first transaction committed, and how many events it applied. */
  firstCommitAt: number | undefined;
  firstCommitApplied: number;
  lastCommitAt: number | undefined;
  lastError: string | undefined;
  /** Since when transactions fail without one committing in between (undefined: healthy). */
  failingSince: number | undefined;
  /** The last failure's code: the SQLSTATE, else the driver's error code. */
  lastErrorCode: string | undefined;
  /** When the transaction now running began (undefined: none runs). */
  openSince: number | undefined;
}

/**
 * Applies what the source consumers submit, one Postgres transaction at a time per process
 * and — through `pg_advisory_xact_lock` — per region database, whatever the number of mirror
 * instances. Submissions that queue up while a transaction runs go together into the next
 * one (group commit across partitions and sources). A transaction that failed transiently is
 * retried with back-off for as long as it takes (Postgres down, restarting): nothing is
 * skipped, the consumers wait, and the process never crash-loops. One that failed because of a
 * record's data isolates that record (see `runRound`): it alone goes to the DLQ.
 */
export class Applier {
  private readonly queue: Queued[] = [];
  private queuedRecords = 0;
  private running = false;
  private closed = false;
  private generation: number | undefined;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];
  healthy = true;
  readonly stats: ApplierStats = {
    applied: 0,
    dlq: 0,
    parked: 0,
    unparked: 0,
    duplicates: 0,
    transactions: 0,
    failures: 0,
    sweepUnparked: 0,
    schemaHeld: 0,
    schemaReleased: 0,
    firstRoundStartedAt: undefined,
    firstCommitAt: undefined,
    firstCommitApplied: 0,
    lastCommitAt: undefined,
    lastError: undefined,
    failingSince: undefined,
    lastErrorCode: undefined,
    openSince: undefined,
  };

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: ApplierOptions,
  ) {}

  /** Records waiting for a transaction. */
  get backlog(): number {
    return this.queuedRecords;
  }

  /** Resolves once the submission is committed (or found to be a gap). */
  submit(submission: PartitionSubmission): Promise<SubmissionOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ submission, resolve, reject });
      this.queuedRecords += Math.max(1, submission.records.length);
      if (!this.running) void this.pump();
    });
  }

  /**
   * Waits until the backlog is below two transactions' worth (back-pressure for the
   * consumers), calling `heartbeat` every 2 s meanwhile so the consumer keeps its partitions.
   */
  async waitForRoom(heartbeat?: () => Promise<void>): Promise<void> {
    while (!this.closed && this.queuedRecords >= 2 * this.options.maxRoundRecords) {
      const room = new Promise<void>((resolve) => this.roomWaiters.push(resolve));
      await Promise.race([room, sleep(2000)]);
      await heartbeat?.().catch(() => undefined);
    }
  }

  /** Resolves when nothing is queued or running. */
  async idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /** Finishes what is queued, then refuses new work. */
  async close(): Promise<void> {
    await this.idle();
    this.closed = true;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  private takeRound(): Queued[] {
    const round: Queued[] = [];
    let records = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const size = Math.max(1, next.submission.records.length);
      if (round.length > 0 && records + size > this.options.maxRoundRecords) break;
      round.push(this.queue.shift()!);
      records += size;
    }
    return round;
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const round = this.takeRound();
        const size = round.reduce((n, q) => n + Math.max(1, q.submission.records.length), 0);
        try {
          const outcomes = await this.runRound(round.map((q) => q.submission));
          round.forEach((q, i) => q.resolve(outcomes[i]!));
        } catch (error) {
          // Only when closing: the round was never applied.
          for (const q of round) q.reject(error);
        }
        this.queuedRecords -= size;
        if (this.queuedRecords < 2 * this.options.maxRoundRecords) {
          for (const w of this.roomWaiters.splice(0)) w();
        }
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  /**
   * Applies the submissions: one transaction, retried until it commits while its failures are
   * transient (classifyApplyError). A failure that follows from a record's data isolates that
   * record instead (docs/mirror.md, "Bad records"): an event named by the failure (its reducer
   * threw) is refused at once; otherwise the submissions are split in halves, each applied on
   * its own, down to the one event Postgres refuses, which goes to the DLQ (APPLY_REFUSED, with
   * the SQLSTATE) while the rest of the batch applies and the partition keeps flowing.
   */
  private async runRound(
    submissions: readonly PartitionSubmission[],
    refuse = new Map<EventId, Rejection>(),
  ): Promise<readonly SubmissionOutcome[]> {
    for (;;) {
      let error: unknown;
      try {
        return (await this.commitRound(submissions, refuse)).outcomes;
      } catch (caught) {
        error = caught;
      }
      if (error instanceof EventRefusal && !refuse.has(error.event)) {
        this.noteIsolated(error, error.rejection, submissions);
        refuse.set(error.event, error.rejection);
        continue;
      }
      const events = submissions.flatMap((s) =>
        s.records.filter((r) => r.kind === 'event' && !refuse.has(r.envelope.id)),
      );
      const halves = splitSubmissions(submissions);
      if (events.length > 1 && halves) {
        const [first, second] = halves;
        const before = await this.runRound(first, refuse);
        const after = await this.runRound(second, refuse);
        return joinOutcomes(submissions, before, after);
      }
      const only = events[0];
      if (only?.kind === 'event') {
        const rejection =
          error instanceof ReducerFailure
            ? reducerRejection(only.envelope, error.cause)
            : storeRejection(only.envelope, classifyApplyError(error).sqlstate, error);
        this.noteIsolated(error, rejection, submissions);
        refuse.set(only.envelope.id, rejection);
        continue;
      }
      // Nothing left to isolate (the failure is not an event's): retry with back-off.
      return (await this.commitRound(submissions, refuse, true)).outcomes;
    }
  }

  private noteIsolated(
    error: unknown,
    rejection: Rejection,
    submissions: readonly PartitionSubmission[],
  ): void {
    this.options.logger.warn(
      {
        err: error,
        code: rejection.code,
        reason: rejection.reason,
        sqlstate: rejection.sqlstate,
        sources: submissions.map((s) => `${s.topic}:${s.partition}@${s.fetchedOffset}`),
      },
      'apply failed for the data of one event: refusing it to the DLQ, applying the rest',
    );
  }

  /**
   * One transaction, retried while its failures are transient (or, with `always`, whatever
   * they are); a failure that follows from a record's data is thrown to the caller.
   */
  private async commitRound(
    submissions: readonly PartitionSubmission[],
    refuse: ReadonlyMap<EventId, Rejection>,
    always = false,
  ): Promise<RoundResult> {
    const { logger, telemetry } = this.options;
    const records = submissions.reduce((n, s) => n + s.records.length, 0);
    let startedAt = Date.now();
    this.stats.firstRoundStartedAt ??= startedAt;
    const isolable = (error: unknown) =>
      !always &&
      (error instanceof EventRefusal ||
        error instanceof ReducerFailure ||
        classifyApplyError(error).kind === 'record');
    const fail = (error: unknown) => {
      this.healthy = false;
      this.stats.failures++;
      this.stats.lastError = (error as Error).message;
      this.stats.failingSince ??= Date.now();
      this.stats.lastErrorCode = errorCode(error);
      telemetry.applyRounds.inc({ outcome: 'failed' });
    };
    const result = await withRetry(
      async () => {
        startedAt = Date.now();
        this.stats.openSince = startedAt;
        try {
          return await inTransaction(
            this.pool,
            async (client) => {
              // The apply lock is taken with `begin`; the prefetch reads the generation.
              const store = new TransactionStore(client, LIVE_SCHEMA);
              const result = await applyRound(store, submissions, {
                region: this.options.region,
                registry: this.options.registry,
                regions: this.options.regions,
                readModels: this.options.readModels,
                checkpointEvery: this.options.checkpointEvery,
                refuse,
              });
              this.noteGeneration(store.generationSeen);
              return result;
            },
            { lock: APPLY_LOCK },
          );
        } catch (error) {
          if (isolable(error)) fail(error);
          throw error;
        } finally {
          this.stats.openSince = undefined;
        }
      },
      {
        attempts: Number.MAX_SAFE_INTEGER,
        initialDelayMs: 200,
        maxDelayMs: 5000,
        retryIf: (error) => !this.closed && !isolable(error),
        onRetry: (error, attempt, delayMs) => {
          fail(error);
          const info = classifyApplyError(error);
          const level = info.kind === 'transient' ? 'warn' : 'error';
          logger[level](
            {
              err: error,
              attempt,
              retryInMs: delayMs,
              records,
              class: info.kind,
              sqlstate: info.sqlstate,
            },
            'apply transaction failed; retrying',
          );
        },
      },
    );
    const committedAt = Date.now();
    this.healthy = true;
    this.stats.failingSince = undefined;
    this.recordRound(result, records, startedAt, committedAt);
    return result;
  }

  private async lockedStore(client: pg.PoolClient): Promise<ProjectionStore> {
    const store = new ProjectionStore(client, LIVE_SCHEMA);
    this.noteGeneration(await store.lockAndGeneration(APPLY_LOCK));
    return store;
  }

  private noteGeneration(generation: number | undefined): void {
    if (generation === undefined || generation === this.generation) return;
    const previous = this.generation;
    this.generation = generation;
    this.options.onGeneration?.(previous, generation);
  }

  private recordRound(
    result: RoundResult,
    records: number,
    startedAt: number,
    committedAt: number,
  ): void {
    const { telemetry } = this.options;
    const { metrics } = telemetry;
    const s = this.stats;
    s.transactions++;
    s.applied += result.applied.length;
    s.dlq += result.dlqRows.length;
    s.parked += result.parked;
    s.unparked += result.unparked;
    this.noteHeld(result.held);
    s.lastCommitAt = committedAt;
    if (s.firstCommitAt === undefined) {
      s.firstCommitAt = committedAt;
      s.firstCommitApplied = result.applied.length;
    }
    telemetry.applyRounds.inc({ outcome: 'committed' });
    telemetry.roundDuration.observe((committedAt - startedAt) / 1000);
    telemetry.roundEvents.observe(records);
    telemetry.redelivered.inc(result.redelivered);
    telemetry.slowPath.inc(result.slowPathStreams);
    for (const [kind, n] of result.duplicates) {
      metrics.duplicates.inc({ kind }, n);
      s.duplicates += n;
    }
    if (result.redelivered > 0) metrics.duplicates.inc({ kind: 'redelivered' }, result.redelivered);
    for (const row of result.dlqRows) metrics.dlq.inc({ reason: row.reason });
    if (result.conflictsDetected > 0) metrics.conflictsDetected.inc(result.conflictsDetected);
    telemetry.applied(result.applied, startedAt, committedAt);
    if (result.applied.length > 0) this.options.onApplied?.(result.applied, committedAt);
    if (result.staleRows > 0) {
      this.options.logger.warn(
        { rows: result.staleRows },
        'removed pending rows of applied events',
      );
    }
    for (const row of result.dlqRows) {
      this.options.logger.warn(
        { reason: row.reason, headers: row.headers },
        'record rejected to the DLQ',
      );
    }
    if (result.applied.length > 0 || result.dlqRows.length > 0) this.options.onCommit?.();
  }

  /** Counts and reports events this code could not interpret (held for their schema version). */
  private noteHeld(held: readonly Envelope[]): void {
    if (held.length === 0) return;
    this.stats.schemaHeld += held.length;
    this.options.telemetry.schemaHeld.inc(held.length);
    this.options.logger.warn(
      {
        held: held.length,
        events: held.slice(0, 20).map((e) => ({
          id: e.id,
          stream: e.stream,
          type: e.type,
          schemaVersion: schemaVersionOf(e),
          origin: e.origin,
        })),
      },
      'events parked: this code cannot interpret their schema version or type (applied once the region runs code that reads them)',
    );
  }

  /**
   * Releases the events held for their schema version that this code reads (after an
   * upgrade): restores them into the gate, which applies them and then their dependants in
   * causal order; the rest stays held. Returns how many parked events were applied. Runs at start-up and with every sweep (another instance of the
   * region may run other code), in transactions of at most `limit` held rows.
   */
  async releaseHeld(limit = 1000): Promise<number> {
    const { registry } = this.options;
    let released = 0;
    for (;;) {
      const result = await inTransaction(this.pool, async (client) => {
        const store = await this.lockedStore(client);
        const readable = (await store.heldKinds()).filter((k) =>
          readsHeldKind(registry.forCategory(k.category), k.type, k.version),
        );
        if (readable.length === 0) return undefined;
        const rows = await store.heldRows(readable, limit);
        if (rows.length === 0) return undefined;
        const applied = await applyEvents(
          store,
          [],
          {
            region: this.options.region,
            registry,
            regions: this.options.regions,
            readModels: this.options.readModels,
            checkpointEvery: this.options.checkpointEvery,
          },
          rows,
        );
        if (applied.applied.length > 0) {
          await store.notifyApplied(
            notifyPayload(this.options.region, applied.applied.length, applied.touchedStreams),
          );
        }
        return { applied, rows: rows.length };
      });
      // Nothing held that this code reads, or nothing released (must not happen): done.
      if (!result || result.applied.unparked === 0) return released;
      const committedAt = Date.now();
      released += result.applied.unparked;
      this.stats.schemaReleased += result.applied.unparked;
      this.stats.applied += result.applied.applied.length;
      this.options.telemetry.schemaReleased.inc(result.applied.unparked);
      this.options.telemetry.applied(result.applied.applied, committedAt, committedAt);
      if (result.applied.applied.length > 0)
        this.options.onApplied?.(result.applied.applied, committedAt);
      this.options.logger.info(
        { released: result.applied.unparked, applied: result.applied.applied.length },
        'applied events held for their schema version (and their dependants): this code reads them',
      );
      this.options.onCommit?.();
      if (result.rows < limit) return released;
    }
  }

  /**
   * The safety sweep: applies parked events whose dependencies are all applied. Each apply
   * already unparks the waiters of what it applies, so this must never find anything; when it
   * does, it is counted (`concord_mirror_sweep_unparked_total`) and logged.
   */
  async sweep(limit = 1000): Promise<number> {
    const result = await inTransaction(this.pool, async (client) => {
      const store = await this.lockedStore(client);
      const rows = await store.pendingReady(limit);
      if (rows.length === 0) return undefined;
      const applied = await applyEvents(
        store,
        [],
        {
          region: this.options.region,
          registry: this.options.registry,
          regions: this.options.regions,
          readModels: this.options.readModels,
          checkpointEvery: this.options.checkpointEvery,
        },
        rows,
      );
      if (applied.applied.length > 0) {
        await store.notifyApplied(
          notifyPayload(this.options.region, applied.applied.length, applied.touchedStreams),
        );
      }
      return applied;
    });
    if (!result) return 0;
    const committedAt = Date.now();
    this.stats.sweepUnparked += result.unparked;
    this.stats.applied += result.applied.length;
    this.options.telemetry.sweepUnparked.inc(result.unparked);
    this.options.telemetry.applied(result.applied, committedAt, committedAt);
    this.options.logger.warn(
      { unparked: result.unparked },
      'safety sweep applied parked events whose dependencies were already applied',
    );
    this.options.onCommit?.();
    return result.unparked;
  }
}

/** The code `concord status` shows for a failed transaction: SQLSTATE, else the driver's code. */
function errorCode(error: unknown): string {
  const sqlstate = classifyApplyError(error).sqlstate;
  if (sqlstate !== undefined) return sqlstate;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : 'UNKNOWN';
}
