import {
  ConcordError,
  EMPTY_SESSION,
  extendSession,
  issueSessionToken,
  mergeSessions,
  readSessionToken,
  type Envelope,
  type EnvelopeSigner,
  type RegionKeyring,
  type Session,
} from '@concord/core';
import type { LogPosition } from '../append/EventLog.js';
import type { AppliedMark, AppliedWaiter } from '../reads/AppliedWaiter.js';

/** Most tokens one request may carry (merged into one session). */
const MAX_TOKENS = 8;

/** The request and response header of session tokens. */
export const SESSION_HEADER = 'concord-session';

export interface SessionGateOptions {
  readonly signer: EnvelopeSigner;
  /** Every region's public keys: a token issued by any region of the deployment is accepted. */
  readonly keyring: RegionKeyring;
  /** The deployment's namespace, bound into every token. */
  readonly namespace: string;
  readonly waiter: AppliedWaiter;
  readonly now: () => number;
  /**
   * Cover new events by their log position (every region reads the origin's own topic) rather
   * than by id. Default true; false in an `mm2` deployment, whose copies have other offsets.
   */
  readonly byPosition?: boolean;
}

/** An event a token is to cover, with where the log holds it when it was appended now. */
export interface CoveredEvent {
  readonly event: Envelope;
  readonly position?: LogPosition | undefined;
}

/**
 * Session consistency at the writer's edge (docs/writer.md, "Sessions"): reads the incoming
 * `Concord-Session` token, holds a read until this region applied every write it covers, and
 * issues the token of an append (the incoming session plus the new event).
 */
export class SessionGate {
  constructor(private readonly options: SessionGateOptions) {}

  /**
   * The session of a request, or undefined without the header.
   *
   * @throws ConcordError SESSION_INVALID for a malformed, forged, foreign or future token.
   */
  parse(header: string | string[] | undefined): Session | undefined {
    if (header === undefined) return undefined;
    // Several tokens (a client's concurrent requests) may come comma-separated or repeated;
    // they are merged. Tokens never contain a comma.
    const tokens = (Array.isArray(header) ? header : [header])
      .flatMap((h) => h.split(','))
      .map((t) => t.trim())
      .filter((t) => t.length > 0);
    if (tokens.length === 0 || tokens.length > MAX_TOKENS) {
      throw new ConcordError(
        'SESSION_INVALID',
        `Concord-Session must hold 1 to ${MAX_TOKENS} comma-separated tokens`,
        { details: { reason: 'format', tokens: tokens.length } },
      );
    }
    return mergeSessions(tokens.map((t) => this.read(t)));
  }

  /**
   * The session after accepted (or duplicate) events: covers them too — a new event by its
   * log position, a duplicate (whose position this answer does not know) by id.
   */
  extend(session: Session | undefined, covered: readonly CoveredEvent[]): Session {
    let next = session ?? EMPTY_SESSION;
    const byPosition = this.options.byPosition ?? true;
    for (const { event: e, position } of covered) {
      next = extendSession(next, {
        id: e.id,
        origin: e.origin,
        wall: e.hlc.wall,
        parents: e.parents,
        causedBy: e.causedBy,
        position: byPosition ? position : undefined,
      });
    }
    return next;
  }

  issue(session: Session): string {
    return issueSessionToken(session, {
      signer: this.options.signer,
      namespace: this.options.namespace,
      now: this.options.now(),
    });
  }

  /**
   * Waits (up to `waitMs`) until this region applied every write of `session`.
   *
   * @throws ConcordError SESSION_NOT_CAUGHT_UP (503, retriable) with how far behind the
   *   region is: the missing writes per origin and the age of the oldest.
   */
  async caughtUp(session: Session, waitMs: number): Promise<{ waitedMs: number }> {
    const started = Date.now();
    const marks: (AppliedMark & { origin: string; wall?: number })[] = [
      ...session.writes.map((w) => ({
        kind: 'event' as const,
        id: w.id,
        origin: w.origin,
        wall: w.wall,
      })),
      ...(session.positions ?? []).map((p) => ({ kind: 'position' as const, ...p })),
    ];
    if (marks.length === 0) return { waitedMs: 0 };
    const applied = await Promise.all(marks.map((m) => this.options.waiter.wait(m, waitMs)));
    const missing = marks.filter((_, i) => !applied[i]);
    const waitedMs = Date.now() - started;
    if (missing.length === 0) return { waitedMs };
    const byOrigin: Record<string, number> = {};
    for (const m of missing) byOrigin[m.origin] = (byOrigin[m.origin] ?? 0) + 1;
    const walls = missing.flatMap((m) => (m.wall === undefined ? [] : [m.wall]));
    throw new ConcordError(
      'SESSION_NOT_CAUGHT_UP',
      `this region has not applied ${missing.length} of the session's ${marks.length} writes or log positions yet`,
      {
        details: {
          missing: missing.length,
          covered: marks.length,
          missingByOrigin: byOrigin,
          ...(walls.length > 0
            ? { oldestMissingAgeMs: Math.max(0, this.options.now() - Math.min(...walls)) }
            : {}),
          waitedMs,
        },
      },
    );
  }

  private read(token: string): Session {
    return readSessionToken(token, {
      keyring: this.options.keyring,
      namespace: this.options.namespace,
      now: this.options.now(),
    });
  }
}
