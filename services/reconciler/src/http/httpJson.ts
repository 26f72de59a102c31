import { ConcordError, isErrorCode } from '@concord/core';

export interface HttpJsonOptions {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  /** Bearer token. */
  readonly token?: string | undefined;
  readonly body?: unknown;
  /** Whole-request deadline, ms. Default 5000. */
  readonly timeoutMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A JSON answer and its status. */
export interface HttpJsonResponse<T> {
  readonly status: number;
  readonly body: T;
}

/**
 * One JSON request to another Concord service. A Concord error body comes back as the same
 * ConcordError (code, message, details); a refused connection or a deadline is a retriable
 * `TIMEOUT` with `details.unreachable: true`, so callers can tell "down" from "said no".
 */
export async function httpJson<T>(
  url: string,
  options: HttpJsonOptions = {},
): Promise<HttpJsonResponse<T>> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let response: Response;
  try {
    response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: {
        accept: 'application/json',
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
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
    throw new ConcordError('TIMEOUT', `${options.method ?? 'GET'} ${url}: ${reason}`, {
      cause: error,
      details: { unreachable: true, url },
    });
  }
  const text = await response.text().catch(() => '');
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
      ?.error;
    const code = isErrorCode(error?.code) ? error.code : 'INTERNAL';
    throw new ConcordError(
      code,
      `${options.method ?? 'GET'} ${url}: ${response.status} ${typeof error?.message === 'string' ? error.message : text.slice(0, 200)}`,
      {
        details: {
          status: response.status,
          ...(typeof error?.details === 'object' && error.details !== null
            ? (error.details as Record<string, unknown>)
            : {}),
        },
        // A 5xx (or 429) may pass; a 4xx will not.
        ...(response.status >= 500 || response.status === 429 ? { retriable: true } : {}),
      },
    );
  }
  return { status: response.status, body: body as T };
}

/** True for the error {@link httpJson} throws when the service did not answer at all. */
export function isUnreachable(error: unknown): boolean {
  return (
    error instanceof ConcordError &&
    error.code === 'TIMEOUT' &&
    (error.details as { unreachable?: unknown } | undefined)?.unreachable === true
  );
}
