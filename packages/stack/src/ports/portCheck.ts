import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { ConcordError } from '@concord/core';

/** A port the stack needs, and for what (shown when it is taken). */
export interface PortClaim {
  readonly port: number;
  readonly owner: string;
}

/** True when nothing listens on 127.0.0.1:`port` (we can bind it right now). */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/**
 * Best effort: the PID and name of the process listening on `port`, found through
 * /proc/net/tcp{,6} and the socket inodes in /proc/<pid>/fd (Linux; undefined elsewhere or
 * when the owner belongs to another user).
 */
export function findListener(port: number): { pid: number; name: string } | undefined {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      // state 0A = LISTEN
      if (!local || cols[3] !== '0A') continue;
      const hexPort = local.slice(local.lastIndexOf(':') + 1);
      if (parseInt(hexPort, 16) === port && cols[9]) inodes.add(cols[9]);
    }
  }
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) {
          const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
          return { pid: Number(pid), name };
        }
      } catch {
        // fd closed meanwhile
      }
    }
  }
  return undefined;
}

/**
 * Fails with PORT_IN_USE, naming every taken port, what the stack needs it for and (when it
 * can tell) who holds it. Call it only with the ports of parts that are not already running.
 */
export async function assertPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const taken: string[] = [];
  const results = await Promise.all(
    claims.map(async (c) => ({ c, free: await isPortFree(c.port) })),
  );
  for (const { c, free } of results) {
    if (free) continue;
    const holder = findListener(c.port);
    taken.push(
      `port ${c.port} (${c.owner}) is in use${holder ? ` by pid ${holder.pid} (${holder.name})` : ''}`,
    );
  }
  if (taken.length > 0) {
    throw new ConcordError(
      'PORT_IN_USE',
      `${taken.join('; ')} — stop that process or move the stack with CONCORD_PORT_BASE`,
      { details: { ports: results.filter((r) => !r.free).map((r) => r.c) }, retriable: false },
    );
  }
}
