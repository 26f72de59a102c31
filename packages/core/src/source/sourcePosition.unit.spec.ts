import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatSourcePosition, parseSourcePosition } from './sourcePosition.js';

const TOPIC_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-';
/** A legal Kafka topic name: 1 to 249 of [a-zA-Z0-9._-]. */
const topic = fc
  .array(fc.constantFrom(...TOPIC_CHARS), { minLength: 1, maxLength: 249 })
  .map((chars) => chars.join(''));
const position = fc.record({
  topic,
  partition: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }),
});
/** Texts near the format: made of its characters and separators. */
const nearText = fc
  .array(fc.constantFrom(...'ab.-_019:@ '), { maxLength: 20 })
  .map((chars) => chars.join(''));

describe('source positions', () => {
  it('round-trips every valid position', () => {
    fc.assert(
      fc.property(position, (p) => {
        expect(parseSourcePosition(formatSourcePosition(p))).toEqual({ ok: true, position: p });
      }),
    );
  });

  it('formats every text that parses back to itself', () => {
    fc.assert(
      fc.property(fc.oneof(nearText, fc.string()), (text) => {
        const parsed = parseSourcePosition(text);
        if (parsed.ok) expect(formatSourcePosition(parsed.position)).toBe(text);
      }),
    );
  });

  it('is total: bad input is a SOURCE_POSITION_INVALID result, never a throw', () => {
    fc.assert(
      fc.property(
        fc.oneof(nearText, fc.string(), fc.constant(null), fc.constant(undefined)),
        (t) => {
          const parsed = parseSourcePosition(t);
          if (!parsed.ok) expect(parsed.error.code).toBe('SOURCE_POSITION_INVALID');
        },
      ),
    );
  });

  it('refuses a topic with a character Kafka does not allow (":" and "@" included)', () => {
    const bad = fc.constantFrom(':', '@', ' ', '/', 'é', '+');
    fc.assert(
      fc.property(topic, bad, topic, position, (before, c, after, p) => {
        const text = formatSourcePosition({ ...p, topic: `${before}${c}${after}` });
        expect(parseSourcePosition(text).ok).toBe(false);
      }),
    );
  });

  it('reads the example the mirror writes', () => {
    expect(parseSourcePosition('ns.events.us:3@120')).toEqual({
      ok: true,
      position: { topic: 'ns.events.us', partition: 3, offset: 120n },
    });
    expect(formatSourcePosition({ topic: 'us.ns.events.us', partition: 0, offset: 7n })).toBe(
      'us.ns.events.us:0@7',
    );
  });

  it.each([
    '',
    'weird',
    ':1@2',
    't:1',
    't@1',
    't:@1',
    't:1@',
    't:01@2',
    't:1@02',
    't:-1@2',
    't:1@-2',
    't:2147483648@0',
    't:0@9223372036854775808',
    `${'t'.repeat(250)}:0@0`,
  ])('refuses %j', (text) => {
    const parsed = parseSourcePosition(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe('SOURCE_POSITION_INVALID');
  });
});
