#!/usr/bin/env node
import pg from 'pg';
import { runNotifier } from './notifier.js';

/**
 * `balance-notifier`: the notifier as a process (README.md). Configuration from the
 * environment; SIGTERM or SIGINT stops it cleanly; it prints what it did as one JSON line.
 */
function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') {
    process.stderr.write(`balance-notifier: ${name} is required\n`);
    process.exit(2);
  }
  return value;
}

const pool = new pg.Pool({ connectionString: env('NOTIFIER_DATABASE_URL'), max: 4 });
const stop = new AbortController();
process.once('SIGTERM', () => stop.abort());
process.once('SIGINT', () => stop.abort());

try {
  const stats = await runNotifier({
    pool,
    brokers: env('NOTIFIER_BROKERS').split(','),
    region: env('NOTIFIER_REGION'),
    namespace: env('CONCORD_NAMESPACE', 'concord'),
    group: env('NOTIFIER_GROUP', 'balance-notifier'),
    signal: stop.signal,
    handlerDelayMs: Number(env('NOTIFIER_HANDLER_DELAY_MS', '0')),
  });
  process.stdout.write(`${JSON.stringify({ stopped: true, ...stats })}\n`);
} catch (error) {
  process.stderr.write(`balance-notifier: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
