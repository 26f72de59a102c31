import { ConcordClientError } from './errors.js';

export interface HttpAnswer<T> {
  readonly status: number;
  readonly body: T;
  readonly session: string | null;
}

export interface HttpRequest {
  readonly region: string;
  readonly baseUrl: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
}

function retryAfter(value: string | null): number | undefined {
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * One HTTP attempt against one region: the answer for 2xx, otherwise a
 * {@link ConcordClientError} with the server's code (or NETWORK_ERROR / BAD_RESPONSE).
 */
export async function send<T>(
  fetchImpl: typeof fetch,
  request: HttpRequest,
): Promise<HttpAnswer<T>> {
  let response: Response;
  let text: string;
  try {
    response = await fetchImpl(`${request.baseUrl}${request.path}`, {
      method: request.method,
      headers: {
        accept: 'application/json',
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...request.headers,
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ConcordClientError('NETWORK_ERROR', `${request.region}: ${message}`, {
      region: request.region,
      cause: error,
    });
  }
  let body: unknown;
  try {
    body = text.length === 0 ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (response.status >= 200 && response.status < 300) {
    if (body === undefined) {
      throw new ConcordClientError('BAD_RESPONSE', `${request.region}: answer is not JSON`, {
        status: response.status,
        region: request.region,
      });
    }
    return {
      status: response.status,
      body: body as T,
      session: response.headers.get('concord-session'),
    };
  }
  const error = (
    body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | undefined
  )?.error;
  // A proxy's 502–504 without Concord's body: the region is not reachable behind it.
  const code =
    typeof error?.code === 'string'
      ? error.code
      : response.status >= 502 && response.status <= 504
        ? 'NETWORK_ERROR'
        : 'BAD_RESPONSE';
  throw new ConcordClientError(
    code,
    `${request.region}: ${typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`}`,
    {
      status: response.status,
      region: request.region,
      details:
        error?.details && typeof error.details === 'object'
          ? (error.details as Record<string, unknown>)
          : undefined,
      retryAfterS: retryAfter(response.headers.get('retry-after')),
    },
  );
}
