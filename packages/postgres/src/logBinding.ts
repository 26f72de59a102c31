import { pg, ident } from './connect.js';
import { migrate } from './migrate.js';
import { mapPgError } from './pgErrors.js';

/** What `bindToLog` found and did. */
export type LogBindingOutcome =
  /** Already bound to this cluster. */
  | { readonly kind: 'unchanged' }
  /** Bound now: an empty database, or one older than bindings whose log is not new. */
  | { readonly kind: 'bound' }
  /** It projected another log: dropped, created and migrated again, bound to this one. */
  | { readonly kind: 'recreated'; readonly previousClusterId: string | undefined };

/**
 * Binds the region database at `url` (already migrated) to the Kafka cluster whose log it
 * projects. A database bound to another cluster — or holding events without a binding while
 * the log was formatted just now (`logIsNew`) — projects a log that no longer exists: its
 * streams, heads and consumer offsets would be served as if current. Such a database is
 * dropped and created again (its only source of truth, the old log, is gone anyway).
 */
export async function bindToLog(
  url: string,
  clusterId: string,
  options: { readonly logIsNew: boolean },
): Promise<LogBindingOutcome> {
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  const found = await withDatabase(
    url,
    async (client) => {
      const binding = await client.query<{ kafka_cluster_id: string }>(
        'select kafka_cluster_id from concord.log_binding',
      );
      const bound = binding.rows[0]?.kafka_cluster_id;
      const holdsEvents =
        bound === undefined &&
        (await client.query('select 1 from projection.events limit 1')).rowCount! > 0;
      return { bound, holdsEvents };
    },
    database,
  );
  if (found.bound === clusterId) return { kind: 'unchanged' };
  const stale = found.bound !== undefined || (options.logIsNew && found.holdsEvents);
  if (stale) {
    await dropDatabase(url, database);
    await migrate(url);
  }
  await withDatabase(
    url,
    (client) =>
      client.query(
        `insert into concord.log_binding (kafka_cluster_id) values ($1)
       on conflict (singleton) do update set kafka_cluster_id = excluded.kafka_cluster_id,
                                             bound_at = now()`,
        [clusterId],
      ),
    database,
  );
  return stale ? { kind: 'recreated', previousClusterId: found.bound } : { kind: 'bound' };
}

async function withDatabase<T>(
  url: string,
  body: (client: pg.Client) => Promise<T>,
  database: string,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await body(client);
  } catch (error) {
    throw mapPgError(error, `log binding of ${database}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function dropDatabase(url: string, database: string): Promise<void> {
  const server = Object.assign(new URL(url), { pathname: '/postgres' }).toString();
  await withDatabase(
    server,
    (client) => client.query(`drop database if exists ${ident(database)} with (force)`),
    database,
  );
}
