import { isRetriableCode, type ErrorCode } from './codes.js';

export interface ConcordErrorOptions {
  /** Structured, JSON-serialisable details (e.g. the failing field, current heads). */
  details?: Record<string, unknown>;
  /** Overrides the code's default retriability. */
  retriable?: boolean;
  cause?: unknown;
}

/**
 * The one error root of Concord. The code is stable and machine-readable; `retriable` tells
 * callers (and `withRetry`) whether trying again can help. Mapping to HTTP statuses or exit
 * codes happens at the edges, never here.
 */
export class ConcordError extends Error {
  override readonly name = 'ConcordError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: ConcordErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? isRetriableCode(code);
    this.details = options.details;
  }

  /** The wire form used in HTTP error bodies and CLI JSON output. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isConcordError(error: unknown, code?: ErrorCode): error is ConcordError {
  return error instanceof ConcordError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a ConcordError, keeping the original as `cause`. */
export function toConcordError(error: unknown, fallback: ErrorCode = 'INTERNAL'): ConcordError {
  if (error instanceof ConcordError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ConcordError(fallback, message, { cause: error });
}
