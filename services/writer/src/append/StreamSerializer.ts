import { ConcordError, isConcordError, type StreamId } from '@concord/core';
import type { HeldLock, LockOptions } from '@concord/redis';
import type { Logger } from '@concord/telemetry';

/** The part of `StreamLock` (@concord/redis) the writer uses. */
export interface StreamLockPort {
  acquire(name: string, options?: LockOptions): Promise<HeldLock>;
}

/** How a critical section ran: under the region-wide Redis lock, or without it. */
export type LockMode = 'redis' | 'local-only';

/**
 * Serialises the appends of one stream within the region: an in-process queue per stream (so
 * one process never races itself, with or without Redis) plus the Redis `StreamLock` (so
 * several writer processes of the region do not either). Without Redis the section runs
 * under the in-process queue only: forks between processes become possible and the fold
 * resolves them (docs/writer.md §1). The lock comes back by itself with Redis.
 */
export class StreamSerializer {
  private readonly tails = new Map<StreamId, Promise<unknown>>();

  constructor(
    private readonly lock: StreamLockPort | undefined,
    private readonly lockOptions: Required<Pick<LockOptions, 'ttlMs' | 'waitMs'>>,
    private readonly logger: Logger,
  ) {}

  /** Streams with an append queued or running in this process. */
  get activeStreams(): number {
    return this.tails.size;
  }

  /** Runs `section` after every earlier section of `stream` in this process, under the lock. */
  run<T>(stream: StreamId, section: (mode: LockMode) => Promise<T>): Promise<T> {
    const previous = this.tails.get(stream);
    const result = previous
      ? previous.then(() => this.locked(stream, section))
      : this.locked(stream, section);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(stream, tail);
    void tail.then(() => {
      if (this.tails.get(stream) === tail) this.tails.delete(stream);
    });
    return result;
  }

  private async locked<T>(stream: StreamId, section: (mode: LockMode) => Promise<T>): Promise<T> {
    let held: HeldLock | undefined;
    if (this.lock) {
      try {
        // `{stream}` is also a Redis Cluster hash tag: every key of a stream on one slot.
        held = await this.lock.acquire(`{${stream}}`, this.lockOptions);
      } catch (error) {
        if (!isConcordError(error, 'CACHE_UNAVAILABLE')) {
          if (isConcordError(error, 'TIMEOUT')) {
            throw new ConcordError(
              'TIMEOUT',
              `stream ${stream} is being written by another writer of the region; retry`,
              { details: { stream }, cause: error },
            );
          }
          throw error;
        }
        this.logger.debug({ stream }, 'redis down: appending without the stream lock');
      }
    }
    try {
      return await section(held ? 'redis' : 'local-only');
    } finally {
      // Not awaited: the release is queued on the same Redis connection after everything the
      // section sent, so the next holder still sees the section's writes.
      void held?.release();
    }
  }
}
