import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where the private Postgres cluster's server files live (data, socket, server log). Normally
 * `<state>/postgres`. Run as root, the cluster runs as the `postgres` user, which may not be able
 * to enter the state folder at all (a checkout in a 0700 home or temp folder: initdb fails with
 * "permission denied"). Then it lives in the postgres user's home, one folder per state folder:
 * `<postgres home>/concord/<sha-256 of the state folder, 16 hex>`. The PID file stays in the state
 * folder; `stack down --purge` removes both.
 */
export function privatePostgresServerDir(stateDir: string, stackPgDir: string): string {
  if (process.getuid?.() !== 0) return stackPgDir;
  const home = postgresHome();
  if (!home) return stackPgDir;
  const id = createHash('sha256').update(stateDir).digest('hex').slice(0, 16);
  return join(home, 'concord', id);
}

/** The `postgres` account of /etc/passwd (the user the private cluster runs as under root). */
export function postgresAccount(): { uid: number; gid: number; home: string } | undefined {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (!line) return undefined;
    const [, , uid, gid, , home] = line.split(':');
    return { uid: Number(uid), gid: Number(gid), home: home ?? '' };
  } catch {
    return undefined;
  }
}

function postgresHome(): string | undefined {
  const home = postgresAccount()?.home;
  return home && home !== '/' && home !== '/nonexistent' ? home : undefined;
}
