import { describe, expect, it } from 'vitest';
import { SessionTokens } from './SessionTokens.js';

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

  it('continues a session handed over as a header value', () => {
    expect(new SessionTokens(' cs1.a.x, cs1.b.x ').header()).toBe('cs1.a.x,cs1.b.x');
  });
});
