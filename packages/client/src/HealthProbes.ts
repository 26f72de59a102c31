import { reportChange, type CallContext } from './callRegions.js';

/**
 * The client's `/readyz` probes of every region (docs/client.md): every `probeIntervalMs`
 * (default 500), at most one round at a time, each answer fed to the region health.
 */
export class HealthProbes {
  readonly #ctx: CallContext;
  readonly #timer: NodeJS.Timeout;
  #probing = false;
  #closed = false;

  constructor(ctx: CallContext) {
    this.#ctx = ctx;
    this.#timer = setInterval(() => void this.#probeAll(), ctx.options.probeIntervalMs ?? 500);
    this.#timer.unref();
  }

  /** Stops the probes; answers of a round in flight are ignored. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  async #probeAll(): Promise<void> {
    if (this.#probing || this.#closed) return;
    this.#probing = true;
    const { options, health } = this.#ctx;
    try {
      await Promise.all(
        Object.entries(options.regions).map(async ([region, url]) => {
          let ok = false;
          try {
            const response = await this.#ctx.fetch(`${url}/readyz`, {
              // Generous: a loaded but working region must not look down.
              signal: AbortSignal.timeout(Math.max(2_000, 4 * (options.probeIntervalMs ?? 500))),
            });
            const body = (await response.json().catch(() => undefined)) as
              { checks?: { writable?: boolean } } | undefined;
            ok = response.status === 200 && body?.checks?.writable !== false;
          } catch {
            ok = false;
          }
          if (!this.#closed) reportChange(this.#ctx, health.probed(region, ok, Date.now()));
        }),
      );
    } finally {
      this.#probing = false;
    }
  }
}
