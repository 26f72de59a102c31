import { sleep } from '@concord/core';
import type { Logger } from '@concord/telemetry';

/** The mirror's periodic tasks (gauges, safety sweep), stopped together at shutdown. */
export class BackgroundLoops {
  private readonly loops: Promise<void>[] = [];
  private closed = false;

  constructor(private readonly logger: Logger) {}

  /** Runs `task` now and then `ms` after each run ends; a failure is logged and retried. */
  every(ms: number, task: () => Promise<unknown>, name: string): void {
    this.loops.push(
      (async () => {
        while (!this.closed) {
          try {
            await task();
          } catch (error) {
            this.logger.debug({ err: error, task: name }, 'background task failed');
          }
          const until = Date.now() + ms;
          while (!this.closed && Date.now() < until) await sleep(Math.min(200, until - Date.now()));
        }
      })(),
    );
  }

  /** Asks every loop to stop (a run in progress finishes). */
  stop(): void {
    this.closed = true;
  }

  /** Resolves when every loop has stopped. */
  async done(): Promise<void> {
    await Promise.all(this.loops);
  }
}
