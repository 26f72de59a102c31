import canonicalize from 'canonicalize';
import { ConcordError } from '../errors/ConcordError.js';

/**
 * RFC 8785 (JCS) canonical JSON: keys sorted by UTF-16 code units, ECMAScript number
 * formatting, no whitespace. The one serialisation that is signed and hashed, so every
 * region derives the same bytes from the same value.
 *
 * @throws ConcordError VALIDATION_FAILED when the value is not representable (NaN, Infinity,
 * lone surrogates, cycles, or a top-level `undefined`).
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    throw new ConcordError(
      'VALIDATION_FAILED',
      `value has no canonical JSON form: ${String(error)}`,
      {
        cause: error,
      },
    );
  }
  if (text === undefined) {
    throw new ConcordError('VALIDATION_FAILED', 'value has no canonical JSON form (undefined)');
  }
  return text;
}
