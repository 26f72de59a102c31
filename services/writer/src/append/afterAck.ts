import type { DomainModule, Envelope } from '@concord/core';
import type { Logger } from '@concord/telemetry';
import type { HeadsCache } from '../heads/HeadsCache.js';
import type { LoadedChain, OwnChainStore, OwnEvent } from '../heads/OwnChainStore.js';
import type { FreshSnapshot } from './stateReader.js';
import type { LockMode } from './StreamSerializer.js';

export interface AfterAckDeps {
  readonly chains: OwnChainStore;
  readonly headsCache: HeadsCache;
  /** States larger than this (serialized) are not cached for Postgres outages. */
  readonly maxCachedStateBytes: number;
  /** Physical clock in ms: the heads cache's `at`, the warning's rate limit. */
  readonly now: () => number;
}

/** How often a failed Redis write after an ack is logged, at most. */
const WARNING_EVERY_MS = 10_000;

/**
 * What is written only after Kafka acknowledged (docs/writer.md §2 step 13): the own chain and
 * the heads cache (the idempotency record is the caller's). Their failures cost only speed.
 */
export class AfterAck {
  private lastCacheWarning = 0;

  constructor(private readonly deps: AfterAckDeps) {}

  /** The own chain, and the heads cache when the snapshot was fresh. */
  remember(
    chain: LoadedChain,
    remaining: readonly OwnEvent[],
    own: OwnEvent,
    envelope: Envelope,
    snapshot: FreshSnapshot,
    domain: DomainModule,
  ): Promise<void> {
    const { deps } = this;
    const stream = envelope.stream;
    const writes: Promise<void>[] = [deps.chains.commit(stream, chain, remaining, own)];
    if (snapshot.fresh) {
      let state = domain.prepare ? snapshot.state : undefined;
      if (state !== undefined && JSON.stringify(state).length > deps.maxCachedStateBytes) {
        state = undefined;
      }
      writes.push(
        deps.headsCache.put(stream, {
          exists: snapshot.exists,
          heads: snapshot.heads,
          version: snapshot.version,
          ...(state === undefined ? {} : { state }),
          at: new Date(deps.now()).toISOString(),
        }),
      );
    }
    return Promise.all(writes).then(() => undefined);
  }

  /** Waits for the Redis writes after an ack; failures only cost speed (logged, rarely). */
  async settle(writes: Promise<void>[], mode: LockMode, logger: Logger): Promise<void> {
    const results = await Promise.allSettled(writes);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && mode === 'redis' && this.deps.now() - this.lastCacheWarning > WARNING_EVERY_MS) {
      this.lastCacheWarning = this.deps.now();
      logger.warn({ err: failed.reason }, 'redis: could not record the appended event');
    }
  }
}
