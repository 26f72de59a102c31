import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** What shapes one direction of a stream: one-way delay, jitter, rate. */
export interface Shaping {
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** 0 = unlimited. */
  readonly bandwidthBitsPerSecond: number;
}

/** Pause reading from the source above this many queued bytes; resume below the low mark. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

/**
 * One direction of a proxied TCP stream: bytes read from `source` are written to `sink`
 * after a delay and at a bounded rate.
 *
 * Order is sacred on a TCP stream, so each chunk's release time is
 * `max(arrival + latency ± jitter, release time of the previous chunk)`: jitter stretches
 * gaps but never lets a later chunk overtake an earlier one. The rate limit is a token bucket
 * (a 20 ms burst) applied after the delay; large chunks are split to follow it. When the queue
 * grows (slow link, fast sender), reading from the source pauses, so TCP back-pressure reaches
 * the sender as it would on a real slow WAN.
 */
export class ShapedPipe {
  private readonly queue: { data: Buffer; readyAt: number }[] = [];
  private queuedBytes = 0;
  private lastReadyAt = 0;
  private tokens = 0;
  private lastRefill = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingForDrain = false;
  private sourcePaused = false;
  private sourceEnded = false;
  private closed = false;
  /** Bytes written to the sink so far. */
  bytes = 0;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly shaping: () => Shaping,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = () => performance.now(),
  ) {
    source.on('data', (chunk: Buffer) => this.push(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.pump();
    });
  }

  /** Re-evaluates the queue (called when the link's settings change). */
  kick(): void {
    this.pump();
  }

  /** Drops everything queued and stops timers (the connection is going away). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private push(chunk: Buffer): void {
    if (this.closed) return;
    const s = this.shaping();
    const jitter = s.jitterMs > 0 ? (this.random() * 2 - 1) * s.jitterMs : 0;
    const delay = Math.max(0, s.latencyMs + jitter);
    const readyAt = Math.max(this.now() + delay, this.lastReadyAt);
    this.lastReadyAt = readyAt;
    this.queue.push({ data: chunk, readyAt });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER && !this.sourcePaused) {
      this.sourcePaused = true;
      this.source.pause();
    }
    this.pump();
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.pump();
      },
      Math.max(1, Math.ceil(ms)),
    );
  }

  private pump(): void {
    if (this.closed || this.waitingForDrain) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const rate = this.shaping().bandwidthBitsPerSecond / 8; // bytes per second
    const capacity = Math.max(512, rate / 50);
    for (;;) {
      const head = this.queue[0];
      if (!head) break;
      const t = this.now();
      if (head.readyAt > t) return this.schedule(head.readyAt - t);
      let n = head.data.length;
      if (rate > 0) {
        this.tokens = Math.min(capacity, this.tokens + ((t - this.lastRefill) / 1000) * rate);
        this.lastRefill = t;
        const need = Math.min(n, capacity);
        if (this.tokens < need) return this.schedule(((need - this.tokens) / rate) * 1000);
        n = Math.min(n, Math.floor(this.tokens));
        this.tokens -= n;
      }
      const piece = n === head.data.length ? head.data : head.data.subarray(0, n);
      if (n === head.data.length) this.queue.shift();
      else head.data = head.data.subarray(n);
      this.queuedBytes -= n;
      this.bytes += n;
      if (!this.sink.write(piece)) {
        this.waitingForDrain = true;
        this.sink.once('drain', () => {
          this.waitingForDrain = false;
          this.pump();
        });
        break;
      }
    }
    if (this.sourcePaused && this.queuedBytes < LOW_WATER) {
      this.sourcePaused = false;
      this.source.resume();
    }
    if (this.queue.length === 0 && this.sourceEnded && !this.waitingForDrain) this.sink.end();
  }
}
