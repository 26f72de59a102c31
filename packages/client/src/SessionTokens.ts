/** Most tokens one request carries; the writer merges up to 8 (docs/writer.md, "Sessions"). */
export const MAX_SENT_TOKENS = 8;
/**
 * Most characters of session tokens one request carries: well inside the 16 KiB a Node
 * server accepts for all headers (a token covering 32 writes by id is ~3 KB).
 */
export const MAX_SENT_CHARS = 8_192;

/**
 * The session a client carries between requests and regions. Tokens are opaque and signed by
 * the server, so the client cannot merge them itself: it keeps every token not yet superseded
 * (one per concurrent request at most), sends them together, and every answer's token —
 * which the server merged from everything sent — replaces the ones that request carried.
 * None is ever dropped: when concurrent requests left more than one request may carry,
 * {@link consolidate} has the server merge them (`POST /v1/sessions`) before the next request.
 */
export class SessionTokens {
  private tokens: string[];
  private merging: Promise<void> | undefined;

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

  /** How many tokens are held. */
  get size(): number {
    return this.tokens.length;
  }

  /** An answer's token, which covers `sent`: replaces those, keeps tokens of other requests. */
  update(sent: readonly string[], received: string | null | undefined): void {
    if (!received) return;
    const superseded = new Set(sent);
    const kept = this.tokens.filter((t) => !superseded.has(t) && t !== received);
    this.tokens = [...kept, received];
  }

  /** Whether one request can carry every token held ({@link MAX_SENT_TOKENS}, {@link MAX_SENT_CHARS}). */
  get fits(): boolean {
    return this.tokens.length <= MAX_SENT_TOKENS && sentLength(this.tokens) <= MAX_SENT_CHARS;
  }

  /**
   * Until one request can carry them all ({@link fits}): `merge` (one server call) the oldest
   * ones — as many as one request carries, at least two — into one. Concurrent callers share
   * one consolidation.
   */
  async consolidate(merge: (tokens: readonly string[]) => Promise<string>): Promise<void> {
    while (!this.fits && this.tokens.length > 1) {
      this.merging ??= (async () => {
        const oldest = [this.tokens[0]!, this.tokens[1]!];
        for (const t of this.tokens.slice(2)) {
          if (oldest.length >= MAX_SENT_TOKENS || sentLength([...oldest, t]) > MAX_SENT_CHARS)
            break;
          oldest.push(t);
        }
        this.update(oldest, await merge(oldest));
      })().finally(() => {
        this.merging = undefined;
      });
      await this.merging;
    }
  }

  /** The whole session as one header value (to hand to another client or process). */
  toString(): string {
    return this.tokens.join(',');
  }
}

/** The length of the `Concord-Session` header carrying `tokens`. */
function sentLength(tokens: readonly string[]): number {
  return tokens.reduce((n, t) => n + t.length, 0) + Math.max(0, tokens.length - 1);
}

function splitTokens(value: string): string[] {
  return value
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
}
