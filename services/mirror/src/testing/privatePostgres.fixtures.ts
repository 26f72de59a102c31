/**
 * A throw-away Postgres cluster for the Postgres-restart test: initdb in a tmp folder, trust
 * auth, 127.0.0.1 only, on a free port; stopped and started with pg_ctl on its own data folder
 * (never the machine's server, never by process name). As root it runs as user `postgres`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

function asPostgres(command: string[]): string[] {
  return process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...command] : command;
}

function run(command: string[]): void {
  const [cmd, ...args] = command;
  const result = spawnSync(cmd!, args, { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0)
    throw new Error(`${command.join(' ')} failed: ${result.stderr || result.stdout}`);
}

export class PrivatePostgres {
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'concord-mirror-pg-'));
    chmodSync(dir, 0o755);
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o700 });
    if (process.getuid?.() === 0) {
      const line = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((l) => l.startsWith('postgres:'));
      const [, , uid, gid] = (line ?? '').split(':');
      chownSync(dir, Number(uid), Number(gid));
      chownSync(data, Number(uid), Number(gid));
    }
    run(asPostgres(['initdb', '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']));
    const server = new PrivatePostgres(await freePort(), dir);
    server.start();
    return server;
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  start(): void {
    run(
      asPostgres([
        'pg_ctl',
        '-D',
        join(this.dir, 'data'),
        '-l',
        join(this.dir, 'server.log'),
        '-w',
        '-t',
        '60',
        '-o',
        `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.dir} -c fsync=off`,
        'start',
      ]),
    );
  }

  /** Stops this cluster: `fast` (clients disconnected) or `immediate` (a crash). */
  stop(mode: 'fast' | 'immediate' = 'fast'): void {
    run(asPostgres(['pg_ctl', '-D', join(this.dir, 'data'), '-m', mode, '-w', 'stop']));
  }

  destroy(): void {
    try {
      this.stop('immediate');
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
