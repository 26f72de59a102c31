import { describe, expect, it } from 'vitest';
import { MAX_SENT_CHARS, MAX_SENT_TOKENS, SessionTokens } from './SessionTokens.js';

describe('SessionTokens', () => {
  it('an answer replaces the tokens its request carried and keeps those of concurrent requests', () => {
    const s = new SessionTokens();
    expect(s.header()).toBeUndefined();
    s.update(s.snapshot(), 'cs1.a.x');
    const sentByFirst = s.snapshot();
    const sentBySecond = s.snapshot();
    s.update(sentByFirst, 'cs1.b.x');
    expect(s.header()).toBe('cs1.b.x');
    s.update(sentBySecond, 'cs1.c.x'); // covers a, not b: both kept
    expect(s.header()).toBe('cs1.b.x,cs1.c.x');
    s.update(s.snapshot(), 'cs1.d.x');
    expect(s.toString()).toBe('cs1.d.x');
    s.update(s.snapshot(), null);
    expect(s.toString()).toBe('cs1.d.x');
  });

  it('never drops a token: more than a request carries are merged by the server, oldest first', async () => {
    const s = new SessionTokens();
    // 20 concurrent appends, all sent with no token: 20 answers, none superseding another.
    for (let i = 0; i < 20; i++) s.update([], `cs1.t${i}.x`);
    expect(s.size).toBe(20);
    const merges: string[][] = [];
    const merge = async (tokens: readonly string[]) => {
      merges.push([...tokens]);
      await new Promise((r) => setTimeout(r, 5));
      return `cs1.m${merges.length}.x`;
    };
    // Concurrent callers share one consolidation.
    await Promise.all([s.consolidate(merge), s.consolidate(merge), s.consolidate(merge)]);
    expect(s.size).toBeLessThanOrEqual(MAX_SENT_TOKENS);
    expect(merges.map((m) => m.length)).toEqual([8, 8]);
    expect(merges[0]).toEqual(Array.from({ length: 8 }, (_, i) => `cs1.t${i}.x`));
    // Every original token is in a merge or still held.
    const held = s.snapshot();
    for (let i = 0; i < 20; i++) {
      const t = `cs1.t${i}.x`;
      expect(held.includes(t) || merges.some((m) => m.includes(t))).toBe(true);
    }
    expect(held).toContain('cs1.m1.x');
  });

  it('keeps the header within MAX_SENT_CHARS: large tokens (writes covered by id) merge sooner', async () => {
    const s = new SessionTokens();
    const big = (i: number) => `cs1.${String(i).padStart(3, '0')}${'x'.repeat(2_996)}.s`;
    for (let i = 0; i < 5; i++) s.update([], big(i)); // 5 × ~3 KB: fewer than 8, too long
    expect(s.fits).toBe(false);
    const merges: number[] = [];
    await s.consolidate(async (tokens) => {
      merges.push(tokens.length);
      expect(tokens.reduce((n, t) => n + t.length + 1, -1)).toBeLessThanOrEqual(MAX_SENT_CHARS);
      return `cs1.m${merges.length}.x`;
    });
    expect(s.fits).toBe(true);
    expect(s.toString().length).toBeLessThanOrEqual(MAX_SENT_CHARS);
    expect(merges).toEqual([2, 2]);
  });

  it('continues a session handed over as a header value', () => {
    expect(new SessionTokens(' cs1.a.x, cs1.b.x ').header()).toBe('cs1.a.x,cs1.b.x');
  });
});
