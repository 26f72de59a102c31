import { describe, expect, it } from 'vitest';
import { LruMap } from './LruMap.js';

describe('LruMap', () => {
  it('evicts the least recently used entry beyond its count', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([1, undefined, 3]);
  });

  it('evicts by size, but keeps a single oversized entry', () => {
    const m = new LruMap<string, string>(10, (v) => v.length, 5);
    m.set('a', 'xx').set('b', 'yy');
    m.set('c', 'zz');
    expect(m.get('a')).toBeUndefined();
    m.set('d', 'x'.repeat(20));
    expect(m.size).toBe(1);
    expect(m.get('d')).toHaveLength(20);
  });
});
