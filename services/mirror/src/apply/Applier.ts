import { formatSourcePosition, schemaVersionOf, type EventId, type Envelope } from '@concord/core';
import { classifyApplyError, type pg } from '@concord/postgres';
import { TransactionStore } from '../store/TransactionStore.js';
import { LIVE_SCHEMA } from '../store/locks.js';
import type { PartitionSubmission, Rejection, SubmissionOutcome } from './ApplyTypes.js';
import { initialApplierStats, type ApplierOptions, type ApplierStats } from './applierState.js';
import { applyRound, type RoundResult } from './applyRound.js';
import { GroupCommitQueue } from './groupCommitQueue.js';
import { HeldSweeper } from './heldSweeper.js';
import { joinOutcomes, splitSubmissions } from './isolate.js';
import { EventRefusal, ReducerFailure, reducerRejection, storeRejection } from './refusal.js';
import { RetriedTransaction } from './retriedTransaction.js';

export type { ApplierOptions, ApplierStats } from './applierState.js';

/**
 * Applies what the source consumers submit, one Postgres transaction at a time per process
 * and — through `pg_advisory_xact_lock` — per region database, whatever the number of mirror
 * instances. The parts (docs/mirror.md, "Queue" and "Bad records"): submissions that queue up
 * while a transaction runs go together into the next one (group commit across partitions and
 * sources: groupCommitQueue.ts); a transaction that failed transiently is retried with back-off
 * for as long as it takes (Postgres down, restarting: retriedTransaction.ts) — nothing is
 * skipped, the consumers wait, and the process never crash-loops; parked events are swept
 * outside the rounds (heldSweeper.ts). A transaction that failed because of a record's data
 * isolates that record here (see `runRound`): it alone goes to the DLQ.
 */
export class Applier {
  private generation: number | undefined;
  readonly stats: ApplierStats = initialApplierStats();
  private readonly queue: GroupCommitQueue;
  private readonly transaction: RetriedTransaction;
  private readonly sweeper: HeldSweeper;

  constructor(
    pool: pg.Pool,
    private readonly options: ApplierOptions,
  ) {
    this.queue = new GroupCommitQueue(options.maxRoundRecords, (submissions) =>
      this.runRound(submissions),
    );
    this.transaction = new RetriedTransaction(pool, {
      logger: options.logger,
      telemetry: options.telemetry,
      stats: this.stats,
      closed: () => this.queue.closed,
    });
    this.sweeper = new HeldSweeper(pool, options, this.stats, (generation) =>
      this.noteGeneration(generation),
    );
  }

  /** False from a failed transaction until the next commit. */
  get healthy(): boolean {
    return this.transaction.healthy;
  }

  /** Records waiting for a transaction. */
  get backlog(): number {
    return this.queue.backlog;
  }

  /** Resolves once the submission is committed (or found to be a gap). */
  submit(submission: PartitionSubmission): Promise<SubmissionOutcome> {
    return this.queue.submit(submission);
  }

  /**
   * Waits until the backlog is below two transactions' worth (back-pressure for the
   * consumers), calling `heartbeat` every 2 s meanwhile so the consumer keeps its partitions.
   */
  waitForRoom(heartbeat?: () => Promise<void>): Promise<void> {
    return this.queue.waitForRoom(heartbeat);
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Finishes what is queued, then refuses new work. */
  close(): Promise<void> {
    return this.queue.close();
  }

  /**
   * Releases the events held for their schema version that this code reads (after an
   * upgrade), in transactions of at most `limit` held rows; see HeldSweeper.releaseHeld.
   * Returns how many parked events were applied.
   */
  releaseHeld(limit = 1000): Promise<number> {
    return this.sweeper.releaseHeld(limit);
  }

  /** The safety sweep: applies parked events whose dependencies are all applied. */
  sweep(limit = 1000): Promise<number> {
    return this.sweeper.sweep(limit);
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
        sources: submissions.map((s) =>
          formatSourcePosition({ topic: s.topic, partition: s.partition, offset: s.fetchedOffset }),
        ),
      },
      'apply failed for the data of one event: refusing it to the DLQ, applying the rest',
    );
  }

  /**
   * One transaction of `applyRound`, retried while its failures are transient (or, with
   * `always`, whatever they are); a failure that follows from a record's data is thrown to the
   * caller.
   */
  private async commitRound(
    submissions: readonly PartitionSubmission[],
    refuse: ReadonlyMap<EventId, Rejection>,
    always = false,
  ): Promise<RoundResult> {
    const records = submissions.reduce((n, s) => n + s.records.length, 0);
    const { result, startedAt, committedAt } = await this.transaction.run(
      records,
      always,
      async (client) => {
        // The prefetch reads the generation.
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
    );
    this.recordRound(result, records, startedAt, committedAt);
    return result;
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
}
