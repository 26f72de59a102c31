import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcordError } from '../errors/ConcordError.js';
import { createSigner, generateRegionKeyPair, RegionKeyring } from '../envelope/RegionKeyring.js';
import {
  EMPTY_SESSION,
  extendSession,
  issueSessionToken,
  mergeSessions,
  readSessionToken,
  SESSION_LIMITS,
  type Session,
  type SessionPosition,
  type SessionWrite,
} from './SessionToken.js';

const us = generateRegionKeyPair();
const eu = generateRegionKeyPair();
const other = generateRegionKeyPair();
const keyring = RegionKeyring.from({ us: us.publicKey, eu: eu.publicKey });
const signUs = createSigner('us', us.privateKey);
const NOW = 1_800_000_000_000;
const read = (token: string, ns = 'concord') =>
  readSessionToken(token, { keyring, namespace: ns, now: NOW });

function reason(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConcordError);
    expect((error as ConcordError).code).toBe('SESSION_INVALID');
    return (error as ConcordError).details?.reason;
  }
  throw new Error('expected SESSION_INVALID');
}

const hex = (n: number) => n.toString(16).padStart(12, '0');
// The same id always has the same origin and wall (an event is one event).
const writeArb: fc.Arbitrary<SessionWrite> = fc.integer({ min: 0, max: 60 }).map((n) => ({
  id: `0190a000-0000-7000-8000-${hex(n)}`,
  origin: ['us', 'eu', 'ap'][n % 3]!,
  wall: NOW - (n % 20) * 100,
}));
const positionArb: fc.Arbitrary<SessionPosition> = fc.record({
  origin: fc.constantFrom('us', 'eu', 'ap'),
  partition: fc.integer({ min: 0, max: 7 }),
  offset: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(Number.MAX_SAFE_INTEGER)),
});
const sessionArb: fc.Arbitrary<Session> = fc
  .tuple(fc.array(writeArb, { maxLength: 40 }), fc.array(positionArb, { maxLength: 30 }))
  .map(([writes, positions]) => mergeSessions([{ writes, positions }]));

/** Does `session` cover position `p` (its entry for p's origin and partition reaches p)? */
const coversPosition = (session: Session, p: SessionPosition) =>
  (session.positions ?? []).some(
    (q) => q.origin === p.origin && q.partition === p.partition && q.offset >= p.offset,
  );

describe('session tokens', () => {
  it('round-trips a session through a signed token any region of the deployment reads', () => {
    fc.assert(
      fc.property(sessionArb, (session) => {
        const token = issueSessionToken(session, {
          signer: signUs,
          namespace: 'concord',
          now: NOW,
        });
        expect(read(token)).toEqual(session);
        expect(token.length).toBeLessThanOrEqual(SESSION_LIMITS.maxLength);
      }),
    );
  });

  it('merging is commutative, associative and idempotent, and keeps the newest writes', () => {
    fc.assert(
      fc.property(sessionArb, sessionArb, sessionArb, (a, b, c) => {
        expect(mergeSessions([a, b])).toEqual(mergeSessions([b, a]));
        expect(mergeSessions([mergeSessions([a, b]), c])).toEqual(
          mergeSessions([a, mergeSessions([b, c])]),
        );
        expect(mergeSessions([a, a])).toEqual(a);
        const merged = mergeSessions([a, b]);
        expect(merged.writes.length).toBeLessThanOrEqual(SESSION_LIMITS.maxWrites);
        const newest = Math.max(...[...a.writes, ...b.writes].map((w) => w.wall), -1);
        if (newest >= 0) expect(merged.writes.at(-1)!.wall).toBe(newest);
      }),
    );
  });

  it('positions merge by max per (origin, partition): whatever the number of writes, none is dropped', () => {
    fc.assert(
      fc.property(fc.array(sessionArb, { minLength: 1, maxLength: 5 }), (sessions) => {
        const merged = mergeSessions(sessions);
        for (const s of sessions)
          for (const p of s.positions ?? []) expect(coversPosition(merged, p)).toBe(true);
        const keys = (merged.positions ?? []).map((p) => `${p.origin}/${p.partition}`);
        expect(new Set(keys).size).toBe(keys.length);
        // nothing beyond what some input covered
        for (const p of merged.positions ?? [])
          expect(sessions.some((s) => coversPosition(s, p))).toBe(true);
      }),
    );
  });

  it('an append with a log position is covered by it, however many writes the session made', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(writeArb, positionArb), { minLength: 1, maxLength: 200 }),
        (appends) => {
          let session = EMPTY_SESSION;
          for (const [w, p] of appends) {
            session = extendSession(session, {
              ...w,
              origin: p.origin,
              parents: [],
              position: { partition: p.partition, offset: p.offset },
            });
          }
          for (const [, p] of appends) expect(coversPosition(session, p)).toBe(true);
          expect(session.writes).toEqual([]);
          const token = issueSessionToken(session, {
            signer: signUs,
            namespace: 'concord',
            now: NOW,
          });
          expect(read(token)).toEqual(session);
        },
      ),
    );
  });

  it('a token without positions (an older writer) reads as before', () => {
    const session = {
      writes: [{ id: '0190a000-0000-7000-8000-000000000001', origin: 'us', wall: NOW }],
    };
    const token = issueSessionToken(session, { signer: signUs, namespace: 'concord', now: NOW });
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as object;
    expect(Object.keys(payload).sort()).toEqual(['at', 'by', 'ns', 'w']);
    expect(read(token)).toEqual({ ...session, positions: [] });
  });

  it('an append covers the new event and drops the writes it depends on', () => {
    const first = { id: '0190a000-0000-7000-8000-000000000001', origin: 'us', wall: NOW - 5 };
    const other = { id: '0190a000-0000-7000-8000-000000000002', origin: 'eu', wall: NOW - 4 };
    const session = extendSession(extendSession(EMPTY_SESSION, { ...first, parents: [] }), {
      ...other,
      parents: [],
    });
    const next = extendSession(session, {
      id: '0190a000-0000-7000-8000-000000000003',
      origin: 'us',
      wall: NOW,
      parents: [first.id],
    });
    expect(next.writes.map((w) => w.id)).toEqual([
      other.id,
      '0190a000-0000-7000-8000-000000000003',
    ]);
  });

  it('refuses forged, tampered, foreign, future and malformed tokens', () => {
    const session = {
      writes: [{ id: '0190a000-0000-7000-8000-000000000001', origin: 'us', wall: NOW }],
    };
    const token = issueSessionToken(session, { signer: signUs, namespace: 'concord', now: NOW });
    const [prefix, payload, sig] = token.split('.') as [string, string, string];
    const forged = issueSessionToken(session, {
      signer: createSigner('us', other.privateKey),
      namespace: 'concord',
      now: NOW,
    });
    expect(reason(() => read(forged))).toBe('signature');
    const tampered = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { at: number };
    tampered.at -= 1;
    const retold = Buffer.from(JSON.stringify(tampered)).toString('base64url');
    expect(reason(() => read(`${prefix}.${retold}.${sig}`))).toBe('signature');
    expect(reason(() => read(token, 'other'))).toBe('deployment');
    const future = issueSessionToken(session, {
      signer: signUs,
      namespace: 'concord',
      now: NOW + SESSION_LIMITS.maxFutureMs + 1,
    });
    expect(reason(() => read(future))).toBe('future');
    const unknown = issueSessionToken(session, {
      signer: createSigner('zz', other.privateKey),
      namespace: 'concord',
      now: NOW,
    });
    expect(reason(() => read(unknown))).toBe('region');
    for (const bad of [
      '',
      'cs1',
      'cs1..',
      'cs2.e30.AA',
      `${prefix}.${payload}`,
      'cs1.!!.AA',
      'x'.repeat(5000),
    ]) {
      expect(reason(() => read(bad))).toBe('format');
    }
    const wrongShape = Buffer.from(
      JSON.stringify({ ns: 'concord', by: 'us', at: NOW, w: [['x', 'us', 1]] }),
    );
    expect(reason(() => read(`cs1.${wrongShape.toString('base64url')}.${sig}`))).toBe('format');
    for (const o of [
      [],
      [['us', -1, 3]],
      [['us', 0, -3]],
      [['us', 2 ** 31, 3]],
      [['US!', 0, 3]],
      [['us', 0.5, 3]],
      [['us', 0]],
      'us',
    ]) {
      const bad = Buffer.from(JSON.stringify({ ns: 'concord', by: 'us', at: NOW, w: [], o }));
      expect(reason(() => read(`cs1.${bad.toString('base64url')}.${sig}`))).toBe('format');
    }
  });
});
