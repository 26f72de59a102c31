import { withRetry } from '@concord/core';
import { classifyApplyError, inTransaction, type pg } from '@concord/postgres';
import type { Logger } from '@concord/telemetry';
import { APPLY_LOCK } from '../store/locks.js';
import type { MirrorTelemetry } from '../telemetry/MirrorTelemetry.js';
import type { ApplierStats } from './applierState.js';
import { EventRefusal, ReducerFailure } from './refusal.js';

export interface RetriedTransactionOptions {
  readonly logger: Logger;
  readonly telemetry: MirrorTelemetry;
  /** The applier's stats: failures, the last error, `openSince`, `failingSince`. */
  readonly stats: ApplierStats;
  /** True once the applier is closed: a failure is then thrown instead of retried. */
  readonly closed: () => boolean;
}

/** A committed transaction: what its body returned, and when its last attempt began and ended. */
export interface Committed<T> {
  readonly result: T;
  readonly startedAt: number;
  readonly committedAt: number;
}

/**
 * The Applier's transaction under the apply lock, retried with back-off for as long as it
 * takes while its failures are transient (classifyApplyError; docs/mirror.md, "How the Applier
 * tells a bad record from a bad moment"): Postgres down or restarting, nothing is skipped and
 * the process never crash-loops. A failure that follows from a record's data (an
 * {@link EventRefusal}, a {@link ReducerFailure}, a `record`-class error) is thrown to the
 * caller, which isolates the record — unless `always` asks to retry whatever fails.
 */
export class RetriedTransaction {
  /** False from a failure until the next commit. */
  healthy = true;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: RetriedTransactionOptions,
  ) {}

  /** Runs `body` in one transaction (`records`: how many it applies, for the logs). */
  async run<T>(
    records: number,
    always: boolean,
    body: (client: pg.PoolClient) => Promise<T>,
  ): Promise<Committed<T>> {
    const { logger, telemetry, stats } = this.options;
    let startedAt = Date.now();
    stats.firstRoundStartedAt ??= startedAt;
    const isolable = (error: unknown) =>
      !always &&
      (error instanceof EventRefusal ||
        error instanceof ReducerFailure ||
        classifyApplyError(error).kind === 'record');
    const fail = (error: unknown) => {
      this.healthy = false;
      stats.failures++;
      stats.lastError = (error as Error).message;
      stats.failingSince ??= Date.now();
      stats.lastErrorCode = errorCode(error);
      telemetry.applyRounds.inc({ outcome: 'failed' });
    };
    const result = await withRetry(
      async () => {
        startedAt = Date.now();
        stats.openSince = startedAt;
        try {
          // The apply lock is taken with `begin`.
          return await inTransaction(this.pool, body, { lock: APPLY_LOCK });
        } catch (error) {
          if (isolable(error)) fail(error);
          throw error;
        } finally {
          stats.openSince = undefined;
        }
      },
      {
        attempts: Number.MAX_SAFE_INTEGER,
        initialDelayMs: 200,
        maxDelayMs: 5000,
        retryIf: (error) => !this.options.closed() && !isolable(error),
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
    stats.failingSince = undefined;
    return { result, startedAt, committedAt };
  }
}

/** The code `concord status` shows for a failed transaction: SQLSTATE, else the driver's code. */
export function errorCode(error: unknown): string {
  const sqlstate = classifyApplyError(error).sqlstate;
  if (sqlstate !== undefined) return sqlstate;
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code !== '' ? code : 'UNKNOWN';
}
