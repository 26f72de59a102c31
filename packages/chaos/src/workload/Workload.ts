import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { sleep } from '@concord/core';
import type { AckedWrite, FailedWrite } from '../checker/History.js';
import type { AppendBody, AppendClient, AppendOutcome } from './WriterClient.js';

export interface WorkloadOptions {
  readonly clients: readonly AppendClient[];
  /** Operations per second, all regions together. */
  readonly rate: number;
  readonly seed: number;
  /** Prefix of every workload value (unique per run). */
  readonly runId: string;
  /** Streams of unique-value appends, shared by all regions (so they conflict). Default 24. */
  readonly valueStreams?: number;
  /** Shared accounts receiving concurrent withdrawals. Default 4. */
  readonly accounts?: number;
  /** Share of operations that are account operations. Default 0.25. */
  readonly accountShare?: number;
  /** At most this many requests in flight; beyond it an operation is skipped and counted. Default 128. */
  readonly maxInFlight?: number;
  /** Called after every outcome (for live views). */
  readonly onOutcome?: (client: AppendClient, stream: string, outcome: AppendOutcome) => void;
}

export interface WorkloadResult {
  readonly acked: AckedWrite[];
  readonly failed: FailedWrite[];
  readonly skipped: number;
}

/**
 * A Jepsen-style workload: every operation writes a unique value (also its idempotency key),
 * so the checker can tell lost writes from duplicated ones; value streams are shared by all
 * regions (concurrent writes conflict) and shared accounts get concurrent withdrawals.
 */
export class Workload {
  private readonly acked: AckedWrite[] = [];
  private readonly failed: FailedWrite[] = [];
  private skipped = 0;
  private inFlight = 0;
  private seq = 0;
  private stopped = false;
  private readonly rng: RandomGenerator;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly options: WorkloadOptions) {
    this.rng = xoroshiro128plus(options.seed);
  }

  /**
   * Opens and funds the shared accounts (in the first region) so deposits and withdrawals are
   * accepted: the account domain refuses both on an account that is not open.
   */
  async seedAccounts(initialBalance: number): Promise<void> {
    const client = this.options.clients[0]!;
    for (let a = 0; a < (this.options.accounts ?? 4); a++) {
      await this.write(client, this.accountStream(a), { type: 'Opened', data: {} });
      await this.write(client, this.accountStream(a), {
        type: 'Deposited',
        data: { amount: initialBalance },
      });
    }
  }

  /** Runs at the configured rate until `stop()` or `durationMs` elapsed. */
  async run(durationMs: number): Promise<WorkloadResult> {
    const interval = 1000 / this.options.rate;
    const started = performance.now();
    let next = started;
    while (!this.stopped && performance.now() - started < durationMs) {
      next += interval;
      this.tick();
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await Promise.allSettled([...this.pending]);
    return this.result();
  }

  stop(): void {
    this.stopped = true;
  }

  result(): WorkloadResult {
    return { acked: [...this.acked], failed: [...this.failed], skipped: this.skipped };
  }

  private accountStream(a: number): string {
    return `account-${this.options.runId}-${a}`;
  }

  private tick(): void {
    if (this.inFlight >= (this.options.maxInFlight ?? 128)) {
      this.skipped++;
      return;
    }
    const clients = this.options.clients;
    const client = clients[uniformInt(this.rng, 0, clients.length - 1)]!;
    const accountOp = uniformInt(this.rng, 0, 999) < (this.options.accountShare ?? 0.25) * 1000;
    let stream: string;
    let body: Omit<AppendBody, 'idempotencyKey'>;
    if (accountOp) {
      stream = this.accountStream(uniformInt(this.rng, 0, (this.options.accounts ?? 4) - 1));
      const deposit = uniformInt(this.rng, 0, 9) < 5; // keep accounts funded: withdrawals stay interesting
      body = {
        type: deposit ? 'Deposited' : 'Withdrawn',
        data: { amount: uniformInt(this.rng, 1, deposit ? 300 : 200) },
      };
    } else {
      stream = `chaos-${this.options.runId}-${uniformInt(this.rng, 0, (this.options.valueStreams ?? 24) - 1)}`;
      body = { type: 'ValueAppended', data: {} };
    }
    const p = this.write(client, stream, body).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  private async write(
    client: AppendClient,
    stream: string,
    body: Omit<AppendBody, 'idempotencyKey'>,
  ): Promise<void> {
    const value = `${this.options.runId}-${this.seq++}`;
    this.inFlight++;
    const outcome = await client
      .append(stream, { ...body, data: { ...body.data, value }, idempotencyKey: value })
      .finally(() => this.inFlight--);
    const at = Date.now();
    if (outcome.ok) {
      this.acked.push({
        region: outcome.region ?? client.region,
        stream,
        eventId: outcome.event.id,
        value,
        at,
      });
    } else {
      this.failed.push({
        region: client.region,
        stream,
        value,
        at,
        code: outcome.code,
        ambiguous: outcome.ambiguous,
      });
    }
    this.options.onOutcome?.(client, stream, outcome);
  }
}
