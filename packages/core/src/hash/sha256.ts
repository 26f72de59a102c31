import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256 of a UTF-8 string or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * The first four bytes of SHA-256(text), big-endian, as an unsigned 32-bit integer. Used where
 * every region must map a name to the same small number (ownership, digest buckets).
 */
export function hashUint32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0);
}
