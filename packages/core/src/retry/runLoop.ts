import { backoffDelay } from './withRetry.js';

export interface LoopOptions {
  /** Names the loop in errors reported to `onError`. */
  readonly name: string;
  /**
   * One round of work; resolves with the ms to wait before the next round (0: at once, e.g.
   * because there is more to do). Rounds never overlap.
   */
  readonly round: (signal: AbortSignal) => Promise<number>;
  /** Stops the loop: the wait in progress ends at once; a round in progress is awaited. */
  readonly signal: AbortSignal;
  /**
   * Error policy: called with a failed round's error and the count of consecutive failures;
   * returns the ms to wait before retrying. Default: back-off from 1 s to 30 s with jitter.
   */
  readonly onError?: (error: unknown, failures: number, name: string) => number;
  /** Injected for tests. */
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
}

export interface Loop {
  /** Runs the next round now (or right after the one in progress), instead of waiting. */
  wake(): void;
  /** Settles when the loop has stopped (after its signal aborted). Never rejects. */
  readonly done: Promise<void>;
}

/** Delay after the `failures`-th consecutive failed round, when the loop has no policy. */
export function defaultLoopErrorDelay(failures: number): number {
  return backoffDelay(failures, { initialDelayMs: 1000, maxDelayMs: 30_000 });
}

/**
 * The one background loop of Concord: a round, then a wait that ends at the delay the round
 * asked for, on `wake()`, or on abort — never a short poll to notice either. Errors go to the
 * loop's policy, which picks the back-off; the loop itself never dies of one.
 */
export function runLoop(options: LoopOptions): Loop {
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  const onError = options.onError ?? ((_e, failures) => defaultLoopErrorDelay(failures));
  const { signal } = options;
  let woken = false;
  let interrupt: (() => void) | undefined;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken || signal.aborted) return resolve();
      const finish = () => {
        clearTimer(timer);
        signal.removeEventListener('abort', finish);
        interrupt = undefined;
        resolve();
      };
      const timer = setTimer(finish, ms);
      interrupt = finish;
      signal.addEventListener('abort', finish, { once: true });
    });

  const done = (async () => {
    let failures = 0;
    while (!signal.aborted) {
      woken = false;
      let delay: number;
      try {
        delay = await options.round(signal);
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures++;
        delay = onError(error, failures, options.name);
      }
      if (delay > 0) await wait(delay);
    }
  })();

  return {
    wake() {
      woken = true;
      interrupt?.();
    },
    done,
  };
}
