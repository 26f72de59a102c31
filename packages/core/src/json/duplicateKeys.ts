/**
 * Duplicate member names in JSON text. `JSON.parse` keeps the last of them silently, other
 * parsers the first or both, so a text with duplicates means different values to different
 * readers. RFC 8785 (the canonical form that is signed, see docs/semantics.md) is defined on
 * I-JSON (RFC 7493), which forbids them: the mirror refuses such a record instead of guessing.
 */

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * The dotted path (`$` for the top level, `data.n`, `parents.0`) of the first member name that
 * appears twice in one object of `text`, or undefined. `text` must be valid JSON (it has
 * passed `JSON.parse`); names are compared after unescaping, as a parser sees them.
 */
export function duplicateKeyPath(text: string): string | undefined {
  let i = 0;
  const skipWhitespace = () => {
    while (i < text.length && WHITESPACE.has(text.charCodeAt(i))) i++;
  };
  // A string token starting at `i` (a quote): its decoded value, `i` moved past it.
  const readString = (): string => {
    const start = ++i;
    let escaped = false;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c === 0x22) break;
      i++;
    }
    const raw = text.slice(start, i);
    i++;
    return escaped ? (JSON.parse(`"${raw}"`) as string) : raw;
  };
  // The root has no path (undefined, not a sentinel string: a member may be named "$").
  const child = (path: string | undefined, name: string) =>
    path === undefined ? name : `${path}.${name}`;
  // Scans one value at `i`; returns the first duplicate's path inside it.
  const scanValue = (path: string | undefined): string | undefined => {
    skipWhitespace();
    const c = text.charCodeAt(i);
    if (c === 0x7b) {
      i++;
      const names = new Set<string>();
      skipWhitespace();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        return undefined;
      }
      for (;;) {
        skipWhitespace();
        const name = readString();
        if (names.has(name)) return child(path, name);
        names.add(name);
        skipWhitespace();
        i++; // ':'
        const found = scanValue(child(path, name));
        if (found !== undefined) return found;
        skipWhitespace();
        if (text.charCodeAt(i++) === 0x7d) return undefined; // '}' (else ',')
      }
    }
    if (c === 0x5b) {
      i++;
      skipWhitespace();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        return undefined;
      }
      for (let index = 0; ; index++) {
        const found = scanValue(child(path, String(index)));
        if (found !== undefined) return found;
        skipWhitespace();
        if (text.charCodeAt(i++) === 0x5d) return undefined; // ']' (else ',')
      }
    }
    if (c === 0x22) {
      readString();
      return undefined;
    }
    // Number, true, false, null: up to the next delimiter.
    while (i < text.length) {
      const d = text.charCodeAt(i);
      if (d === 0x2c || d === 0x7d || d === 0x5d || WHITESPACE.has(d)) break;
      i++;
    }
    return undefined;
  };
  // A leading byte order mark is not part of the value (TextDecoder drops it too).
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  return scanValue(undefined);
}
