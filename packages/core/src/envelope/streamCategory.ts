import type { StreamId } from './Envelope.js';

/**
 * The category of a stream: the text before its first `-` or `:` (the whole id when it has
 * neither). `account-42` and `account:42` are both in `account`. Reducers and policies are
 * registered per category.
 */
export function streamCategory(stream: StreamId): string {
  for (let i = 0; i < stream.length; i++) {
    const c = stream.charCodeAt(i);
    if (c === 0x2d /* - */ || c === 0x3a /* : */) return stream.slice(0, i);
  }
  return stream;
}
