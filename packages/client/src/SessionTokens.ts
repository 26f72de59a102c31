/** Most tokens sent at once; the writer merges up to 8 (docs/writer.md, "Sessions"). */
const MAX_TOKENS = 4;

/**
 * The session a client carries between requests and regions. Tokens are opaque and signed by
 * the server, so the client cannot merge them itself: it keeps the tokens not yet superseded
 * (one per concurrent request at most), sends them together, and every answer's token —
 * which the server merged from everything sent — replaces the ones that request carried.
 */
export class SessionTokens {
  private tokens: string[];

  constructor(initial?: string) {
    this.tokens = initial ? splitTokens(initial) : [];
  }

  /** The `Concord-Session` header value for a request, or undefined before any write. */
  header(): string | undefined {
    return this.tokens.length === 0 ? undefined : this.tokens.join(',');
  }

  /** The tokens a request carries (pass back to {@link update} with its answer's token). */
  snapshot(): readonly string[] {
    return [...this.tokens];
  }

  /** An answer's token, which covers `sent`: replaces those, keeps tokens of other requests. */
  update(sent: readonly string[], received: string | null | undefined): void {
    if (!received) return;
    const superseded = new Set(sent);
    const kept = this.tokens.filter((t) => !superseded.has(t) && t !== received);
    // Beyond the cap the oldest is dropped: the next answer merges the rest into one anyway,
    // and a caller with more concurrent writes than this per session should use more sessions.
    this.tokens = [...kept, received].slice(-MAX_TOKENS);
  }

  /** The whole session as one header value (to hand to another client or process). */
  toString(): string {
    return this.tokens.join(',');
  }
}

function splitTokens(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0)
    .slice(-MAX_TOKENS);
}
