import type { ConcordClientError } from './errors.js';
import type { HttpAnswer } from './transport.js';

/** How one attempt on one region ended: an answer, or the client error it failed with. */
export type Outcome<T> =
  | { readonly ok: true; readonly region: string; readonly answer: HttpAnswer<T> }
  | { readonly ok: false; readonly region: string; readonly error: ConcordClientError };

/**
 * Runs `attempt(first)`; if it has not settled after `hedgeAfterMs`, also `attempt(second())`
 * (when `second` names a region) and settles with the first success — or, when every attempt
 * failed, with all their outcomes (docs/client.md, hedged requests). The loser of a race keeps
 * running to its own timeout; its outcome is dropped. `hedgeAfterMs` ≤ 0 never hedges.
 */
export async function hedged<T>(
  attempt: (region: string) => Promise<Outcome<T>>,
  first: string,
  hedgeAfterMs: number,
  second: () => string | undefined,
  onHedge: (from: string, to: string) => void,
): Promise<readonly Outcome<T>[]> {
  const primary = attempt(first);
  if (!(hedgeAfterMs > 0)) return [await primary];
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), hedgeAfterMs);
  });
  const early = await Promise.race([primary, late]);
  clearTimeout(timer);
  if (early) return [early];
  const other = second();
  if (other === undefined) return [await primary];
  onHedge(first, other);
  const attempts = [primary, attempt(other)];
  return new Promise((resolve, reject) => {
    const failed: Outcome<T>[] = [];
    for (const p of attempts) {
      p.then((outcome) => {
        if (outcome.ok) resolve([outcome]);
        else if (failed.push(outcome) === attempts.length) resolve(failed);
      }, reject);
    }
  });
}
