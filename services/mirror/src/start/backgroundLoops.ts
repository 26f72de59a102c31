import { runLoop, type Loop } from '@concord/core';
import type { Logger } from '@concord/telemetry';

/** The mirror's periodic tasks (gauges, safety sweep) on `runLoop`, stopped together at shutdown. */
export class BackgroundLoops {
  private readonly loops: Loop[] = [];
  private readonly abort = new AbortController();

  constructor(private readonly logger: Logger) {}

  /** Runs `task` now and then `ms` after each run ends; a failure is logged and retried `ms` later. */
  every(ms: number, task: () => Promise<unknown>, name: string): void {
    this.loops.push(
      runLoop({
        name,
        signal: this.abort.signal,
        round: async () => {
          await task();
          return ms;
        },
        onError: (error) => {
          this.logger.debug({ err: error, task: name }, 'background task failed');
          return ms;
        },
      }),
    );
  }

  /** Asks every loop to stop: its wait ends at once, a run in progress finishes. */
  stop(): void {
    this.abort.abort();
  }

  /** Resolves when every loop has stopped. */
  async done(): Promise<void> {
    await Promise.all(this.loops.map((l) => l.done));
  }
}
