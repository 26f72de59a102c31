import { consumeApplied, type ConsumeAppliedStats } from '@concord/client';
import type pg from 'pg';
import { notificationOf } from './notification.js';

/**
 * The balance notifier (README.md): consumes a region's applied feed through consumeApplied
 * and keeps `<schema>.notifications`, one row per applied deposit or withdrawal, in its own
 * Postgres. The row is written in the transaction of consumeApplied's checkpoint, so a crash
 * anywhere neither loses nor repeats a notification.
 */

export interface NotifierOptions {
  readonly pool: pg.Pool;
  readonly brokers: readonly string[];
  readonly region: string;
  readonly namespace?: string;
  readonly group?: string;
  /** The app's schema (notifications and consumeApplied's checkpoints). Default `notifier`. */
  readonly schema?: string;
  readonly signal?: AbortSignal;
  /** A pause in each handler call (demos and the crash test: a slow downstream). */
  readonly handlerDelayMs?: number;
}

export const DEFAULT_GROUP = 'balance-notifier';

/** Creates the notifications table when missing. */
export async function createNotificationsTable(pool: pg.Pool, schema = 'notifier'): Promise<void> {
  // No unique constraint on event_id on purpose: a duplicate row would show a broken guarantee.
  await pool.query(`create schema if not exists ${schema}`);
  await pool.query(`create table if not exists ${schema}.notifications (
      id bigserial primary key,
      account text not null,
      event_id text not null,
      kind text not null check (kind in ('deposit', 'withdrawal')),
      amount bigint not null,
      message text not null,
      applied_seq bigint not null,
      created_at timestamptz not null default now())`);
  await pool.query(
    `create index if not exists notifications_account on ${schema}.notifications (account)`,
  );
}

/** Runs until `signal` aborts; rejects when a record cannot be handled (consumeApplied). */
export async function runNotifier(options: NotifierOptions): Promise<ConsumeAppliedStats> {
  const schema = options.schema ?? 'notifier';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new TypeError(`invalid schema ${schema}`);
  await createNotificationsTable(options.pool, schema);
  const delay = options.handlerDelayMs ?? 0;
  return consumeApplied({
    brokers: options.brokers,
    region: options.region,
    namespace: options.namespace ?? 'concord',
    group: options.group ?? DEFAULT_GROUP,
    checkpoint: { pool: options.pool, schema },
    onInvalid: 'skip',
    ...(options.signal ? { signal: options.signal } : {}),
    handler: async (event, client) => {
      const note = notificationOf(event);
      if (note === undefined) return;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      await client.query(
        `insert into ${schema}.notifications (account, event_id, kind, amount, message, applied_seq)
         values ($1, $2, $3, $4, $5, $6)`,
        [note.account, event.id, note.kind, note.amount, note.message, event.appliedSeq],
      );
    },
  });
}
