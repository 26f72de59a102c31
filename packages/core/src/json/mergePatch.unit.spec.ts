import { describe, expect, it } from 'vitest';
import type { JsonObject, JsonValue } from './JsonValue.js';
import { applyMergePatch, diffMergePatch, mergePatchPaths, pointersOverlap } from './mergePatch.js';
import { canonicalJson } from './canonicalJson.js';

describe('RFC 7396 merge patch', () => {
  // RFC 7396 Appendix A, every example.
  const cases: [JsonValue, JsonValue, JsonValue][] = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  it.each(cases)('%j + %j = %j', (target, patch, expected) => {
    const before = canonicalJson(target);
    expect(applyMergePatch(target, patch)).toEqual(expected);
    expect(canonicalJson(target)).toBe(before);
  });

  it('keeps a __proto__ member as data', () => {
    const patch = JSON.parse('{"__proto__": {"x": 1}}') as JsonObject;
    const result = applyMergePatch({}, patch) as JsonObject;
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
  });

  it('diff produces a patch that turns one state into the other', () => {
    const from: JsonObject = { a: 1, b: { c: 2, d: 3 }, e: [1] };
    const to: JsonObject = { b: { c: 2, d: 4, f: 5 }, e: [2], g: 'x' };
    const patch = diffMergePatch(from, to);
    expect(patch).toEqual({ a: null, b: { d: 4, f: 5 }, e: [2], g: 'x' });
    expect(applyMergePatch(from, patch)).toEqual(to);
  });

  it('lists written fields as JSON Pointers', () => {
    expect(mergePatchPaths({ a: { b: 1, 'c/d': null }, e: [], f: {} })).toEqual([
      '/a/b',
      '/a/c~1d',
      '/e',
      '/f',
    ]);
    expect(pointersOverlap('/a', '/a/b')).toBe(true);
    expect(pointersOverlap('/a', '/ab')).toBe(false);
  });
});
