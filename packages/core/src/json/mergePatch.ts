import { isJsonObject, jsonEqual, setOwn, type JsonObject, type JsonValue } from './JsonValue.js';

/**
 * RFC 7396 JSON Merge Patch, without mutating `target`: objects along the patched paths are
 * copied, everything else is shared. `null` in the patch deletes; a non-object patch value
 * replaces the target value wholesale (arrays included).
 */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return patch;
  const base: JsonObject = isJsonObject(target) ? target : {};
  let result: JsonObject | undefined;
  for (const key of Object.keys(patch)) {
    const value = patch[key] as JsonValue;
    if (value === null) {
      if (Object.hasOwn(base, key)) {
        result ??= { ...base };
        delete result[key];
      }
      continue;
    }
    const current = Object.hasOwn(base, key) ? base[key] : undefined;
    const next = applyMergePatch(current, value);
    if (next !== current) {
      result ??= { ...base };
      setOwn(result, key, next);
    }
  }
  // A patch that changes nothing returns the target itself (or `{}` for a non-object target).
  return result ?? base;
}

/**
 * A merge patch that turns `from` into `to`. Merge patches cannot set a member to `null`
 * (RFC 7396 §1): states built by merge patches never hold `null` members, so this only
 * matters for hand-made states.
 */
export function diffMergePatch(from: JsonObject, to: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) setOwn(patch, key, null);
  }
  for (const key of Object.keys(to)) {
    const target = to[key] as JsonValue;
    const source = Object.hasOwn(from, key) ? from[key] : undefined;
    if (jsonEqual(source, target)) continue;
    if (isJsonObject(source) && isJsonObject(target)) {
      setOwn(patch, key, diffMergePatch(source, target));
    } else {
      setOwn(patch, key, target);
    }
  }
  return patch;
}

/**
 * The fields a merge patch writes, as RFC 6901 JSON Pointers: one per leaf (a scalar, an
 * array, `null`, or an empty object). Two writes touch the same data when one pointer is a
 * prefix of the other (see {@link pointersOverlap}).
 */
export function mergePatchPaths(patch: JsonObject): string[] {
  const paths: string[] = [];
  const walk = (node: JsonObject, prefix: string): void => {
    for (const key of Object.keys(node)) {
      const value = node[key] as JsonValue;
      const path = `${prefix}/${escapePointerToken(key)}`;
      if (isJsonObject(value) && Object.keys(value).length > 0) walk(value, path);
      else paths.push(path);
    }
  };
  walk(patch, '');
  return paths;
}

/** RFC 6901 escaping of one reference token. */
export function escapePointerToken(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** True when the two JSON Pointers are equal or one addresses a part of the other. */
export function pointersOverlap(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length < b.length ? [a, b] : [b, a];
  return long.startsWith(short) && long.charAt(short.length) === '/';
}
