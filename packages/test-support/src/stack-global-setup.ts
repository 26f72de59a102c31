import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ConcordConfig } from '@concord/config';
import { processState, readPidFile, StackController, type ProgressEvent } from '@concord/stack';
import { staleBuilds } from './buildFreshness.js';
import { REPO_ROOT } from './repoRoot.js';

/**
 * Global setup of the int and e2e tiers: brings the default local stack up when it is not
 * running, and in teardown stops it only if this run started it.
 *
 * Several test runs may share one checkout (several engineers, several terminals): each run
 * holds a lease file `<state>/leases/<pid>` while it runs, and a run that started the stack
 * leaves it up when another live run still holds a lease.
 */
function leasesDir(config: ConcordConfig): string {
  return join(config.stateDir, 'leases');
}

function otherLiveLeases(config: ConcordConfig): number[] {
  let files: string[];
  try {
    files = readdirSync(leasesDir(config));
  } catch {
    return [];
  }
  const live: number[] = [];
  for (const f of files) {
    const record = readPidFile(join(leasesDir(config), f));
    if (!record || record.pid === process.pid) continue;
    if (processState(record.pid, record.startTicks) === 'gone')
      rmSync(join(leasesDir(config), f), { force: true });
    else live.push(record.pid);
  }
  return live;
}

export default async function setup(): Promise<() => Promise<void>> {
  // Process tests run dist/: refuse to test stale code (`./concord test` builds first).
  const stale = staleBuilds(REPO_ROOT);
  if (stale.length > 0) {
    throw new Error(
      `error BUILD_STALE: dist/ is older than src/ in ${stale.join(', ')} — run \`pnpm build\` (\`./concord test\` builds first)`,
    );
  }
  const config = loadConfig();
  const stack = new StackController(config);
  mkdirSync(leasesDir(config), { recursive: true });
  const lease = join(leasesDir(config), String(process.pid));
  writeFileSync(
    lease,
    JSON.stringify({ pid: process.pid, command: 'vitest', startedAt: new Date().toISOString() }),
  );

  const before = await stack.status();
  const log = (e: ProgressEvent) => {
    if (!e.transient)
      process.stderr.write(`[stack] ${e.part}${e.region ? ` ${e.region}` : ''}: ${e.message}\n`);
  };
  // Idempotent: also repairs a half-running stack (e.g. a broker killed by an earlier test).
  const result = await stack.up({ progress: before.running ? undefined : log });
  // A run that died mid-test may have left a link cut (link state persists): start healthy,
  // unless another live run is using the links right now.
  if (otherLiveLeases(config).length === 0) await stack.links.heal();
  // Ours to stop only if no broker ran before: repairing a half-running stack (say, a link
  // daemon restarted) does not make this run its owner.
  const startedByUs =
    before.brokers.every((b) => b.state === 'stopped') &&
    result.started.some((p) => p.startsWith('kafka'));
  if (startedByUs)
    process.stderr.write(`[stack] up in ${(result.elapsedMs / 1000).toFixed(1)} s\n`);

  return async () => {
    rmSync(lease, { force: true });
    const others = otherLiveLeases(config);
    // Leave the links healthy whatever a test did (but never under another run's feet).
    if (others.length === 0) await stack.links.heal().catch(() => undefined);
    if (!startedByUs) return;
    if (others.length > 0) {
      process.stderr.write(
        `[stack] left running: still used by test run(s) ${others.join(', ')}\n`,
      );
      return;
    }
    await stack.down();
  };
}
