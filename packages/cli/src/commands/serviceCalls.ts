import type { ConcordConfig, RegionId } from '@concord/config';
import { ConcordError, isErrorCode } from '@concord/core';
import { readLocalTokens } from '@concord/runner';
import { readStackEndpoints } from '@concord/stack';
import type { CliContext } from '../CliContext.js';

/*
 * Shared by the commands that talk to running services (status, verify, conflicts, fence):
 * where the services are and how to call them. `concord stack` control commands use
 * {@link deploymentConfig} too.
 */

/**
 * The configuration of the deployment the services run in. Without an explicit `--regions`,
 * the regions recorded in stack.json win: they fixed the ports of what is running.
 */
export function deploymentConfig(ctx: CliContext, regions?: string): ConcordConfig {
  if (regions !== undefined) return ctx.config({ CONCORD_REGIONS: regions });
  const config = ctx.config();
  const running = readStackEndpoints(config)?.regions;
  if (running && running.join(',') !== config.regions.join(',')) {
    return ctx.config({ CONCORD_REGIONS: running.join(',') });
  }
  return config;
}

/** The admin token the services accept (CONCORD_ADMIN_TOKEN, or the one `concord run` made). */
export function adminToken(config: ConcordConfig): string | undefined {
  return readLocalTokens(config)?.adminToken;
}

/** Says why every call is about to be refused when there is no admin token at all. */
export function warnWithoutToken(ctx: CliContext, token: string | undefined): void {
  if (token === undefined) {
    ctx.err(
      'warning: no admin token — set CONCORD_ADMIN_TOKEN, or start the services with `concord run` (it writes <state>/tokens.json)',
    );
  }
}

/** A region argument checked against the deployment's regions. */
export function regionArg(config: ConcordConfig, region: string): RegionId {
  if (!config.regions.includes(region)) {
    throw new ConcordError(
      'UNKNOWN_REGION',
      `unknown region "${region}" (regions: ${config.regions.join(', ')})`,
    );
  }
  return region;
}

/**
 * One JSON call to a service. A Concord error body comes back as that ConcordError; no answer
 * at all is `TIMEOUT` with `details.unreachable` (see {@link isUnreachable}).
 */
export async function callService<T>(
  url: string,
  options: {
    method?: 'GET' | 'POST' | 'DELETE';
    token?: string | undefined;
    body?: unknown;
    timeoutMs?: number;
  } = {},
): Promise<T> {
  const method = options.method ?? 'GET';
  const timeoutMs = options.timeoutMs ?? 10_000;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (cause?.code ?? (error as Error).message);
    throw new ConcordError('TIMEOUT', `${url}: ${reason}`, {
      cause: error,
      details: { unreachable: true, url },
    });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const e = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })?.error;
    throw new ConcordError(
      isErrorCode(e?.code) ? e.code : 'INTERNAL',
      typeof e?.message === 'string' ? e.message : `${url}: HTTP ${response.status}`,
      {
        details: {
          status: response.status,
          ...(typeof e?.details === 'object' && e.details !== null
            ? (e.details as Record<string, unknown>)
            : {}),
        },
      },
    );
  }
  return body as T;
}

/** True when the service did not answer at all. */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof ConcordError &&
    error.code === 'TIMEOUT' &&
    (error.details as { unreachable?: unknown } | undefined)?.unreachable === true
  );
}
