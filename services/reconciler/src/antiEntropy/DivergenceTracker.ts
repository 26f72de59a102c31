/** Something a comparison found different, not yet known to be more than in-flight data. */
export interface DivergenceCandidate {
  /** Stable identity, e.g. `stream:account-42` or `missing:eu:<event id>`. */
  readonly key: string;
  /**
   * What must not change between the two observations for the difference to count as stuck:
   * e.g. every region's digests of the stream. A new event for it restarts the clock.
   */
  readonly fingerprint: string;
  /** Confirmed at once: the data proves it is no longer in flight (e.g. source offsets). */
  readonly proven?: boolean;
}

interface Seen {
  fingerprint: string;
  since: number;
  observations: number;
}

/**
 * The confirmation rule that keeps load from raising false alarms (pure; time is passed in).
 * A difference is confirmed when it is proven, or when it was seen by two consecutive
 * comparisons at least `minAgeMs` apart with the same fingerprint (no new data for it in
 * between). A candidate absent from a comparison is forgotten: it went away.
 */
export class DivergenceTracker {
  private seen = new Map<string, Seen>();

  constructor(private readonly minAgeMs: number) {}

  /** Feeds one comparison's candidates; returns the keys confirmed now. */
  observe(now: number, candidates: readonly DivergenceCandidate[]): Set<string> {
    const next = new Map<string, Seen>();
    const confirmed = new Set<string>();
    for (const candidate of candidates) {
      const before = this.seen.get(candidate.key);
      const entry: Seen =
        before && before.fingerprint === candidate.fingerprint
          ? {
              fingerprint: before.fingerprint,
              since: before.since,
              observations: before.observations + 1,
            }
          : { fingerprint: candidate.fingerprint, since: now, observations: 1 };
      next.set(candidate.key, entry);
      if (candidate.proven || (entry.observations >= 2 && now - entry.since >= this.minAgeMs)) {
        confirmed.add(candidate.key);
      }
    }
    this.seen = next;
    return confirmed;
  }

  /** Candidates currently watched (confirmed or not). */
  get tracked(): number {
    return this.seen.size;
  }
}
