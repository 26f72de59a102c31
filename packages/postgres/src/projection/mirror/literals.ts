/** Helpers of the mirror's statements: one raw statement, array literals, SQL fragments. */
import type { EventId } from '@concord/core';
import type pg from 'pg';
import type { Queryable } from '../query.js';

/**
 * Runs one statement as pg answers it: errors reach the caller unmapped, since the apply path
 * classifies them by SQLSTATE (classifyApplyError; docs/mirror.md). `s`, the schema argument
 * of this folder's functions, is the quoted schema name (`ident(schema)`).
 */
export async function run<R extends pg.QueryResultRow>(
  db: Queryable,
  text: string,
  values?: unknown[],
): Promise<pg.QueryResult<R>> {
  return (db as pg.Pool).query<R>(text, values);
}

/** Postgres literal of a uuid[] (ids are validated lower-case UUIDs). */
export function uuidArrayLiteral(ids: readonly EventId[]): string {
  return `{${ids.join(',')}}`;
}

/** Postgres literal of a text[] (each element quoted and escaped). */
export function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((i) => `"${i.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

/** `streamCategory(stream)` in SQL: the text before the first `-` or `:`. */
export const categorySql = (stream: string) => `substring(${stream} from '^[^:-]*')`;

/**
 * `schemaVersionOf(envelope)` in SQL; for a merge, its resolver version (`data.resolver`,
 * absent: 1) — what a held merge waits for (docs/decisions/0007-merge-validation.md).
 */
export const schemaVersionSql = (envelope: string) =>
  `(case when ${envelope}->>'type' = 'concord.merge'
         then case when ${envelope}->'data'->>'resolver' ~ '^[0-9]{1,7}$'
                   then (${envelope}->'data'->>'resolver')::int else 1 end
         else coalesce((${envelope}->'meta'->>'schemaVersion')::int, 1) end)`;
