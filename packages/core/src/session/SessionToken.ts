import { sign, verify } from 'node:crypto';
import { ConcordError } from '../errors/ConcordError.js';
import { canonicalJson } from '../json/canonicalJson.js';
import type { EventId, RegionId } from '../envelope/Envelope.js';
import { isEventId } from '../envelope/ids.js';
import { REGION_PATTERN } from '../envelope/limits.js';
import type { EnvelopeSigner, RegionKeyring } from '../envelope/RegionKeyring.js';

/** One write a session must see: the event, the region that accepted it, its HLC wall (ms). */
export interface SessionWrite {
  readonly id: EventId;
  readonly origin: RegionId;
  readonly wall: number;
}

/**
 * A log position a session must see applied: every event the region `origin` appended to
 * partition `partition` of its events topic up to and including offset `offset`.
 */
export interface SessionPosition {
  readonly origin: RegionId;
  readonly partition: number;
  readonly offset: number;
}

/**
 * What a session token covers (docs/writer.md, "Sessions"), as two parts a read must find
 * applied:
 * - `positions`: per origin region and partition of its events topic, the highest offset of a
 *   write of the session — every event up to it (so every write of the session there) must be
 *   applied. One entry per (origin, partition) whatever the number of writes, merged by max:
 *   nothing is ever dropped. Sorted by (origin, partition).
 * - `writes`: writes covered by id, for those whose position is not known (a duplicate answer,
 *   an `mm2` deployment whose copies have other offsets). A write whose descendant is also
 *   covered is dropped — the causal gate applies an event only after its parents and
 *   `causedBy`, so the descendant being applied implies it. Sorted by (wall, id), newest
 *   last; at most `SESSION_LIMITS.maxWrites` (the oldest drop).
 */
export interface Session {
  readonly writes: readonly SessionWrite[];
  readonly positions?: readonly SessionPosition[];
}

export const SESSION_LIMITS = {
  /** Writes one token covers by id at most; the oldest are dropped beyond (docs/writer.md). */
  maxWrites: 32,
  /** (origin, partition) positions one token holds at most (regions × partitions). */
  maxPositions: 256,
  /** Longest token accepted, in characters. */
  maxLength: 8192,
  /** How far in the future a token's issue time may be (clock skew), ms. */
  maxFutureMs: 60_000,
} as const;

export const EMPTY_SESSION: Session = { writes: [], positions: [] };

const PREFIX = 'cs1';
/** A Kafka partition number is a 32-bit signed integer. */
const MAX_PARTITION = 2 ** 31 - 1;

function invalid(reason: string, message: string): ConcordError {
  return new ConcordError('SESSION_INVALID', message, { details: { reason } });
}

function byAge(a: SessionWrite, b: SessionWrite): number {
  return a.wall - b.wall || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function byPosition(a: SessionPosition, b: SessionPosition): number {
  return a.origin < b.origin ? -1 : a.origin > b.origin ? 1 : a.partition - b.partition;
}

/** The highest offset per (origin, partition), sorted. */
function maxPositions(positions: Iterable<SessionPosition>): SessionPosition[] {
  const byKey = new Map<string, SessionPosition>();
  for (const p of positions) {
    const key = `${p.origin}/${p.partition}`;
    const known = byKey.get(key);
    if (known === undefined || known.offset < p.offset) byKey.set(key, p);
  }
  return [...byKey.values()].sort(byPosition);
}

/**
 * The newest `maxWrites` of a set of writes, deduplicated by id, sorted by (wall, id); the
 * highest position per (origin, partition).
 */
function normalise(
  writes: Iterable<SessionWrite>,
  positions: Iterable<SessionPosition>,
  maxWrites: number,
): Session {
  const byId = new Map<EventId, SessionWrite>();
  for (const w of writes) if (!byId.has(w.id)) byId.set(w.id, w);
  const sorted = [...byId.values()].sort(byAge);
  return {
    writes: sorted.slice(Math.max(0, sorted.length - maxWrites)),
    positions: maxPositions(positions),
  };
}

/**
 * Union of sessions (commutative, associative, idempotent): positions by max, writes by id
 * (the oldest beyond the cap drop).
 */
export function mergeSessions(
  sessions: readonly Session[],
  maxWrites: number = SESSION_LIMITS.maxWrites,
): Session {
  return normalise(
    sessions.flatMap((s) => s.writes),
    sessions.flatMap((s) => s.positions ?? []),
    maxWrites,
  );
}

/** What a newly accepted event contributes to a session. */
export interface AcceptedWrite extends SessionWrite {
  readonly parents: readonly EventId[];
  readonly causedBy?: EventId | undefined;
  /** Where its origin's events topic holds it, when known: then it is covered by position. */
  readonly position?: { readonly partition: number; readonly offset: number } | undefined;
}

/**
 * The session after `write`: covers it — by position when it has one, else by id — and drops
 * the writes covered by id that it depends on directly (its parents and `causedBy`), which any
 * region applies before it.
 */
export function extendSession(
  session: Session,
  write: AcceptedWrite,
  maxWrites: number = SESSION_LIMITS.maxWrites,
): Session {
  const implied = new Set<EventId>(write.parents);
  if (write.causedBy !== undefined) implied.add(write.causedBy);
  const kept = session.writes.filter((w) => !implied.has(w.id));
  const positions = session.positions ?? [];
  return write.position === undefined
    ? normalise(
        [...kept, { id: write.id, origin: write.origin, wall: write.wall }],
        positions,
        maxWrites,
      )
    : normalise(kept, [...positions, { origin: write.origin, ...write.position }], maxWrites);
}

interface TokenPayload {
  /** Deployment namespace (topic prefix): a token of another deployment is refused. */
  ns: string;
  /** Issuing region, whose key signed the token. */
  by: RegionId;
  /** Issue time, ms since the epoch. */
  at: number;
  /** [id, origin, wall] per write covered by id. */
  w: [EventId, RegionId, number][];
  /** [origin, partition, offset] per position covered (absent when none). */
  o?: [RegionId, number, number][];
}

/**
 * The token string: `cs1.<base64url canonical JSON payload>.<base64url Ed25519 signature>`,
 * signed with the issuing region's envelope key, so any region of the deployment can check it
 * with the keyring it already verifies events with.
 */
export function issueSessionToken(
  session: Session,
  options: { signer: EnvelopeSigner; namespace: string; now: number },
): string {
  const payload: TokenPayload = {
    ns: options.namespace,
    by: options.signer.region,
    at: options.now,
    w: session.writes.map((w) => [w.id, w.origin, w.wall]),
    ...(session.positions?.length
      ? {
          o: session.positions.map((p): [RegionId, number, number] => [
            p.origin,
            p.partition,
            p.offset,
          ]),
        }
      : {}),
  };
  const body = Buffer.from(canonicalJson(payload as never), 'utf8');
  const sig = sign(
    null,
    Buffer.concat([Buffer.from(`${PREFIX}.`), body]),
    options.signer.privateKey,
  );
  return `${PREFIX}.${body.toString('base64url')}.${sig.toString('base64url')}`;
}

function isWall(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function decodePayload(text: string): TokenPayload {
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid('format', 'session token payload is not base64url JSON');
  }
  const p = payload as Partial<TokenPayload> | null;
  const writesOk =
    Array.isArray(p?.w) &&
    p.w.length <= SESSION_LIMITS.maxWrites &&
    p.w.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 3 &&
        isEventId(e[0]) &&
        typeof e[1] === 'string' &&
        REGION_PATTERN.test(e[1]) &&
        isWall(e[2]),
    );
  const positionsOk =
    p?.o === undefined ||
    (Array.isArray(p.o) &&
      p.o.length > 0 &&
      p.o.length <= SESSION_LIMITS.maxPositions &&
      p.o.every(
        (e) =>
          Array.isArray(e) &&
          e.length === 3 &&
          typeof e[0] === 'string' &&
          REGION_PATTERN.test(e[0]) &&
          Number.isSafeInteger(e[1]) &&
          e[1] >= 0 &&
          e[1] <= MAX_PARTITION &&
          isWall(e[2]),
      ));
  if (
    typeof p !== 'object' ||
    p === null ||
    Array.isArray(p) ||
    Object.keys(p).length !== (p.o === undefined ? 4 : 5) ||
    !positionsOk ||
    typeof p.ns !== 'string' ||
    typeof p.by !== 'string' ||
    !isWall(p.at) ||
    !writesOk
  ) {
    throw invalid('format', 'session token payload has the wrong shape');
  }
  return p as TokenPayload;
}

/**
 * Reads and checks a token: shape, deployment, signature by a known region, issue time not in
 * the future beyond the clock-skew allowance, no covered write from the future either.
 *
 * @throws ConcordError SESSION_INVALID with `details.reason` (format, deployment, region,
 *   signature, future).
 */
export function readSessionToken(
  token: string,
  options: { keyring: RegionKeyring; namespace: string; now: number; maxFutureMs?: number },
): Session {
  if (token.length > SESSION_LIMITS.maxLength) {
    throw invalid('format', `session token longer than ${SESSION_LIMITS.maxLength} characters`);
  }
  const parts = token.split('.');
  if (
    parts.length !== 3 ||
    parts[0] !== PREFIX ||
    !/^[A-Za-z0-9_-]+$/.test(parts[1]! + parts[2]!)
  ) {
    throw invalid('format', `session token must look like ${PREFIX}.<payload>.<signature>`);
  }
  const payload = decodePayload(parts[1]!);
  if (payload.ns !== options.namespace) {
    throw invalid('deployment', 'session token was issued by another deployment');
  }
  const keys = options.keyring.keysOf(payload.by);
  if (keys.length === 0)
    throw invalid('region', `session token names unknown region ${payload.by}`);
  // Verify over the exact bytes that were signed: the prefix and the decoded payload.
  const message = Buffer.concat([Buffer.from(`${PREFIX}.`), Buffer.from(parts[1]!, 'base64url')]);
  const signature = Buffer.from(parts[2]!, 'base64url');
  if (!keys.some((key) => verify(null, message, key, signature))) {
    throw invalid(
      'signature',
      'session token signature does not verify (forged or another deployment)',
    );
  }
  const horizon = options.now + (options.maxFutureMs ?? SESSION_LIMITS.maxFutureMs);
  if (payload.at > horizon || payload.w.some((e) => e[2] > horizon)) {
    throw invalid('future', 'session token is from the future');
  }
  return normalise(
    payload.w.map(([id, origin, wall]) => ({ id, origin, wall })),
    (payload.o ?? []).map(([origin, partition, offset]) => ({ origin, partition, offset })),
    SESSION_LIMITS.maxWrites,
  );
}
