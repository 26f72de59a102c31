import type pg from 'pg';
import { mapPgError } from '../pgErrors.js';

/** A pool or a client: the projection's queries run on either. */
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;

/** Runs one statement; Postgres errors become Concord errors (mapPgError). */
export async function query<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  values: unknown[] = [],
  context = 'projection store',
): Promise<pg.QueryResult<R>> {
  try {
    return await (db as pg.Pool).query<R>(text, values);
  } catch (error) {
    throw mapPgError(error, context);
  }
}
