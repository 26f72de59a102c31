import type { CheckpointStore, CheckpointTransaction, PartitionKey } from './processRecord.js';

/**
 * consumeApplied's checkpoints in the app's own Postgres (docs/client.md, "consumeApplied"),
 * through the `pg` Pool the app passes. Tables of schema `<schema>` (default
 * `concord_consumer`):
 * - `applied_checkpoints (consumer_group, topic, kafka_partition) → next_offset`;
 * - `applied_seen (consumer_group, event_id)`: the event ids the group handled, so a duplicate
 *   on the at-least-once feed (another offset, the same id) is handled once;
 * - `applied_invalid`: malformed records skipped with `onInvalid: 'skip'`, with the reason.
 */

/** The part of a `pg` result the client reads. */
export interface SqlResult {
  readonly rows: readonly unknown[];
  readonly rowCount: number | null;
}

/** The part of a `pg` PoolClient the client uses (a real `pg.PoolClient` fits). */
export interface SqlClient {
  query(text: string, values?: unknown[]): Promise<SqlResult>;
  release(error?: Error | boolean): void;
}

/** The part of a `pg` Pool the client uses (a real `pg.Pool` fits). */
export interface SqlPool<C extends SqlClient = SqlClient> {
  connect(): Promise<C>;
}

export const DEFAULT_CHECKPOINT_SCHEMA = 'concord_consumer';

/** A lock key of pg_advisory_xact_lock that serializes the creation of the tables. */
const DDL_LOCK = 0x636f6e63;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** True for a schema name consumeApplied accepts (a plain lower-case identifier). */
export function isSchemaName(name: string): boolean {
  return SCHEMA_NAME.test(name);
}

function ddl(s: string): string[] {
  return [
    `create schema if not exists ${s}`,
    `create table if not exists ${s}.applied_checkpoints (
       consumer_group text not null,
       topic text not null,
       kafka_partition integer not null,
       next_offset bigint not null,
       updated_at timestamptz not null default now(),
       primary key (consumer_group, topic, kafka_partition))`,
    `create table if not exists ${s}.applied_seen (
       consumer_group text not null,
       event_id text not null,
       topic text not null,
       kafka_partition integer not null,
       kafka_offset bigint not null,
       seen_at timestamptz not null default now(),
       primary key (consumer_group, event_id))`,
    `create table if not exists ${s}.applied_invalid (
       consumer_group text not null,
       topic text not null,
       kafka_partition integer not null,
       kafka_offset bigint not null,
       reason text not null,
       skipped_at timestamptz not null default now(),
       primary key (consumer_group, topic, kafka_partition, kafka_offset))`,
  ];
}

async function inTransaction<C extends SqlClient, T>(
  pool: SqlPool<C>,
  fn: (client: C) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('begin');
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

/** The checkpoint store of consumeApplied in Postgres. */
export class PostgresCheckpointStore<C extends SqlClient> implements CheckpointStore<C> {
  private readonly s: string;

  constructor(
    private readonly pool: SqlPool<C>,
    schema: string = DEFAULT_CHECKPOINT_SCHEMA,
  ) {
    if (!isSchemaName(schema)) throw new TypeError(`invalid checkpoint schema name: ${schema}`);
    this.s = `"${schema}"`;
  }

  /** Creates the schema and its tables when missing (safe to run concurrently). */
  async createTables(): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('select pg_advisory_xact_lock($1)', [DDL_LOCK]);
      for (const statement of ddl(this.s)) await client.query(statement);
    });
  }

  async load(key: PartitionKey): Promise<bigint | null> {
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query(
        `select next_offset::text as next from ${this.s}.applied_checkpoints
          where consumer_group = $1 and topic = $2 and kafka_partition = $3`,
        [key.group, key.topic, key.partition],
      );
      const row = rows[0] as { next: string } | undefined;
      return row === undefined ? null : BigInt(row.next);
    } finally {
      client.release();
    }
  }

  transaction<T>(fn: (tx: CheckpointTransaction<C>) => Promise<T>): Promise<T> {
    const s = this.s;
    return inTransaction(this.pool, (client) =>
      fn({
        client,
        async lockCheckpoint(key) {
          const { rows } = await client.query(
            `select next_offset::text as next from ${s}.applied_checkpoints
              where consumer_group = $1 and topic = $2 and kafka_partition = $3 for update`,
            [key.group, key.topic, key.partition],
          );
          const row = rows[0] as { next: string } | undefined;
          return row === undefined ? null : BigInt(row.next);
        },
        async markSeen(key, eventId, offset) {
          const result = await client.query(
            `insert into ${s}.applied_seen (consumer_group, event_id, topic, kafka_partition, kafka_offset)
             values ($1, $2, $3, $4, $5) on conflict do nothing`,
            [key.group, eventId, key.topic, key.partition, offset.toString()],
          );
          return result.rowCount === 1;
        },
        async recordInvalid(key, offset, reason) {
          await client.query(
            `insert into ${s}.applied_invalid (consumer_group, topic, kafka_partition, kafka_offset, reason)
             values ($1, $2, $3, $4, $5) on conflict do nothing`,
            [key.group, key.topic, key.partition, offset.toString(), reason.slice(0, 1000)],
          );
        },
        async advance(key, nextOffset) {
          // Never backwards: a record handled by a zombie member cannot move a newer position.
          await client.query(
            `insert into ${s}.applied_checkpoints (consumer_group, topic, kafka_partition, next_offset)
             values ($1, $2, $3, $4)
             on conflict (consumer_group, topic, kafka_partition) do update
               set next_offset = greatest(${s}.applied_checkpoints.next_offset, excluded.next_offset),
                   updated_at = now()`,
            [key.group, key.topic, key.partition, nextOffset.toString()],
          );
        },
      }),
    );
  }
}
