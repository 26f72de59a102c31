/** A JSON value as it travels in envelopes and states (no `undefined`, no non-finite numbers). */
export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** True for a plain JSON object: not null, not an array. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the string is valid Unicode (no lone surrogate), as RFC 8785 requires. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Where `value` stops being JSON (or nests deeper than `maxDepth`), as a path of keys, or
 * `undefined` when it is valid JSON. Depth counts containers: `{}` is depth 1.
 */
export function findNonJson(
  value: unknown,
  maxDepth: number,
): { path: (string | number)[]; reason: string } | undefined {
  const walk = (
    node: unknown,
    depth: number,
    path: (string | number)[],
  ): { path: (string | number)[]; reason: string } | undefined => {
    switch (typeof node) {
      case 'string':
        return isWellFormed(node) ? undefined : { path, reason: 'lone surrogate in string' };
      case 'boolean':
        return undefined;
      case 'number':
        return Number.isFinite(node) ? undefined : { path, reason: 'non-finite number' };
      case 'object': {
        if (node === null) return undefined;
        if (depth + 1 > maxDepth) return { path, reason: `nested deeper than ${maxDepth}` };
        if (Array.isArray(node)) {
          for (let i = 0; i < node.length; i++) {
            const bad = walk(node[i], depth + 1, [...path, i]);
            if (bad) return bad;
          }
          return undefined;
        }
        const proto = Object.getPrototypeOf(node) as unknown;
        if (proto !== Object.prototype && proto !== null) {
          return { path, reason: 'not a plain object' };
        }
        for (const key of Object.keys(node)) {
          if (!isWellFormed(key)) return { path: [...path, key], reason: 'lone surrogate in key' };
          const bad = walk((node as Record<string, unknown>)[key], depth + 1, [...path, key]);
          if (bad) return bad;
        }
        return undefined;
      }
      default:
        return { path, reason: `${typeof node} is not JSON` };
    }
  };
  return walk(value, 0, []);
}

/**
 * Sets an own property even when the key is `__proto__` (which plain assignment would turn
 * into a prototype change, silently dropping the key from every later serialisation).
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    target[key] = value;
  }
}

/** Structural equality of two JSON values (key order ignored). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  const ao = a as JsonObject;
  const bo = b as JsonObject;
  const keys = Object.keys(ao);
  if (keys.length !== Object.keys(bo).length) return false;
  return keys.every((key) => Object.hasOwn(bo, key) && jsonEqual(ao[key], bo[key]));
}
