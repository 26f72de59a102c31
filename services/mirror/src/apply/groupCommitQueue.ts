import { sleep } from '@concord/core';
import type { PartitionSubmission, SubmissionOutcome } from './ApplyTypes.js';

interface Queued {
  readonly submission: PartitionSubmission;
  readonly resolve: (outcome: SubmissionOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Applies one round of submissions (one transaction, with its retries and isolation): an
 * outcome per submission, in order. Rejects only when closing: the round was never applied.
 */
export type RunRound = (
  submissions: readonly PartitionSubmission[],
) => Promise<readonly SubmissionOutcome[]>;

/**
 * The Applier's group commit (docs/mirror.md, "Queue"): one round runs at a time; the
 * submissions that queue up meanwhile go together into the next one, up to `maxRoundRecords`
 * records (a single larger submission still goes alone). Back-pressure for the consumers:
 * `waitForRoom` holds them while two rounds' worth of records wait.
 */
export class GroupCommitQueue {
  private readonly queue: Queued[] = [];
  private queuedRecords = 0;
  private running = false;
  private closedFlag = false;
  private roomWaiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly maxRoundRecords: number,
    private readonly runRound: RunRound,
  ) {}

  /** Records waiting for a transaction. */
  get backlog(): number {
    return this.queuedRecords;
  }

  /** Set once `close` finished what was queued. */
  get closed(): boolean {
    return this.closedFlag;
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
    while (!this.closedFlag && this.queuedRecords >= 2 * this.maxRoundRecords) {
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
    this.closedFlag = true;
    for (const w of this.roomWaiters.splice(0)) w();
  }

  private takeRound(): Queued[] {
    const round: Queued[] = [];
    let records = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      const size = Math.max(1, next.submission.records.length);
      if (round.length > 0 && records + size > this.maxRoundRecords) break;
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
        if (this.queuedRecords < 2 * this.maxRoundRecords) {
          for (const w of this.roomWaiters.splice(0)) w();
        }
      }
    } finally {
      this.running = false;
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }
}
