import { ConcordError, isConcordError } from '@concord/core';
import type { Logger } from '@concord/telemetry';
import { probeIds } from '../heads/deriveHeads.js';
import type { HeadsCache } from '../heads/HeadsCache.js';
import type { LoadedChain, OwnChainStore, OwnEvent } from '../heads/OwnChainStore.js';
import type { ProjectionSnapshot, SnapshotSource } from '../heads/ProjectionSnapshots.js';
import type { IdempotencyRecord, IdempotencyStore } from '../idempotency/IdempotencyStore.js';
import type { SnapshotNeeds } from './appendTypes.js';

/** A projection snapshot, `fresh` when Postgres answered (not the heads cache). */
export type FreshSnapshot = ProjectionSnapshot & { readonly fresh: boolean };

/** What the critical section reads before deciding (docs/writer.md §2 step 5). */
export interface SectionState {
  readonly chain: LoadedChain;
  readonly snapshot: FreshSnapshot;
  readonly remembered: IdempotencyRecord | undefined;
}

export interface StateReaderDeps {
  readonly snapshots: SnapshotSource;
  readonly chains: OwnChainStore;
  readonly headsCache: HeadsCache;
  readonly idempotency: IdempotencyStore;
  /** Physical clock in ms (the Postgres breaker). */
  readonly now: () => number;
}

/** How long Postgres is skipped after a failure, for streams the heads cache knows. */
const STORE_BREAK_MS = 1000;

/**
 * Reads the state of a stream in its critical section: the own chain (checked against Redis),
 * the projection snapshot — behind a breaker that falls back to the heads cache while
 * Postgres is down (docs/writer.md §5) — and the Redis idempotency record.
 */
export class StateReader {
  private storeDownUntil = 0;

  constructor(private readonly deps: StateReaderDeps) {}

  /**
   * The projection is asked right away with this process's copy of the chain, while the
   * chain is checked against Redis; only if another writer process appended in between (the
   * copy was stale) is it asked again: one round trip saved on the usual path.
   */
  async read(needs: SnapshotNeeds, withState: boolean, logger: Logger): Promise<SectionState> {
    const { deps } = this;
    const local = deps.chains.peek(needs.stream);
    const speculative = this.snapshot(needs, local, withState, logger);
    speculative.catch(() => undefined); // awaited (or dropped) below
    const [chain, remembered] = await Promise.all([
      deps.chains.load(needs.stream),
      needs.idempotencyKey === undefined
        ? undefined
        : deps.idempotency.lookup(needs.stream, needs.idempotencyKey),
    ]);
    const snapshot =
      chain.entries === local
        ? await speculative
        : await this.snapshot(needs, chain.entries, withState, logger);
    return { chain, snapshot, remembered };
  }

  private async snapshot(
    needs: SnapshotNeeds,
    chain: readonly OwnEvent[],
    withState: boolean,
    logger: Logger,
  ): Promise<FreshSnapshot> {
    const { deps } = this;
    // Postgres failed a moment ago: do not wait for it on every append while the cache knows
    // the stream (an unknown stream still tries Postgres: better slow than 503).
    if (deps.now() < this.storeDownUntil) {
      const cached = await this.fromCache(needs.stream, withState);
      if (cached) return cached;
    }
    try {
      const snapshot = await deps.snapshots.snapshot(needs.stream, {
        probe: probeIds(chain),
        idempotencyKey: needs.idempotencyKey,
        causedBy: needs.causedBy,
        eventId: needs.eventId,
        withState,
      });
      return { ...snapshot, fresh: true };
    } catch (error) {
      if (!isConcordError(error, 'STORE_UNAVAILABLE')) throw error;
      if (deps.now() >= this.storeDownUntil) {
        logger.warn({ err: error }, 'projection unreachable: using the cached heads');
      }
      this.storeDownUntil = deps.now() + STORE_BREAK_MS;
      const cached = await this.fromCache(needs.stream, withState);
      if (cached) return cached;
      throw new ConcordError(
        'STORE_UNAVAILABLE',
        `the projection is unreachable and the heads of stream ${needs.stream} are not cached`,
        { details: { stream: needs.stream }, cause: error },
      );
    }
  }

  /** The last projection snapshot cached for the stream, when it is enough to append. */
  private async fromCache(stream: string, withState: boolean): Promise<FreshSnapshot | undefined> {
    const cached = await this.deps.headsCache.get(stream);
    if (!cached || (withState && cached.exists && cached.state === undefined)) return undefined;
    return {
      exists: cached.exists,
      heads: cached.heads,
      version: cached.version,
      ...(cached.state === undefined ? {} : { state: cached.state }),
      projected: new Set(),
      fresh: false,
    };
  }
}
