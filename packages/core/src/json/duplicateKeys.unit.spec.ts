import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { duplicateKeyPath } from './duplicateKeys.js';

const json = fc.jsonValue({ maxDepth: 4 });

describe('duplicateKeyPath', () => {
  it('finds nothing in what JSON.stringify writes, with or without whitespace', () => {
    fc.assert(
      fc.property(json, fc.constantFrom(undefined, 1, '\t', ' \r\n '), (value, space) => {
        expect(duplicateKeyPath(JSON.stringify(value, null, space))).toBeUndefined();
      }),
    );
  });

  it('finds a member repeated anywhere, with its path', () => {
    fc.assert(
      fc.property(
        json,
        fc.array(fc.string(), { minLength: 1, maxLength: 4 }),
        fc.string(),
        (value, path, name) => {
          // `value` nested under `path`, next to an object that names `name` twice.
          const twice = `{${JSON.stringify(name)}:1,${JSON.stringify(name)}:${JSON.stringify(value)}}`;
          let text = twice;
          for (const segment of [...path].reverse()) text = `{${JSON.stringify(segment)}:${text}}`;
          expect(duplicateKeyPath(text)).toBe([...path, name].join('.'));
          expect(duplicateKeyPath(`[0,${text}]`)).toBe(['1', ...path, name].join('.'));
        },
      ),
    );
  });

  it('compares names after unescaping, and skips a byte order mark', () => {
    expect(duplicateKeyPath('{"a":1,"\\u0061":2}')).toBe('a');
    expect(duplicateKeyPath('\ufeff {"data": {"n": 1, "n" : 2}}')).toBe('data.n');
    expect(duplicateKeyPath('{"a\\"b":1,"a\\"c":{"x":[1,{"y":"}","y2":"\\\\"}]}}')).toBeUndefined();
    expect(duplicateKeyPath('{"a":{},"b":[],"c":{"a":{}}}')).toBeUndefined();
    // A member named "$" is a name like any other (fast-check found the root sentinel).
    expect(duplicateKeyPath('{"$":{"":1,"":2}}')).toBe('$.');
  });
});
