import {
  foldStream,
  streamCategory,
  type DomainRegistry,
  type EventId,
  type StreamId,
  type UnsignedEnvelope,
} from '@concord/core';

/** The checker's own fold of one stream, from events alone (no read model, no stored heads). */
export interface OwnStreamFold {
  readonly stream: StreamId;
  readonly category: string;
  readonly state: unknown;
  readonly heads: readonly EventId[];
  /** Events that took effect: all but the idempotency no-ops (a key taken earlier in fold order). */
  readonly effective: readonly UnsignedEnvelope[];
}

/** A stream whose events are not causally closed: nothing can be said of its state. */
export interface UnfoldableStream {
  readonly stream: StreamId;
  readonly reason: string;
}

/** A domain invariant the checker asserts on every folded state of `category`. */
export interface Invariant {
  readonly category: string;
  readonly name: string;
  /** A description of the violation, or undefined when the state keeps the invariant. */
  readonly check: (state: unknown) => string | undefined;
}

/** The example account domain's ledger invariant (docs/semantics.md): balance ≥ 0. */
export const ACCOUNT_INVARIANTS: readonly Invariant[] = [
  {
    category: 'account',
    name: 'balance ≥ 0',
    check: (state) => {
      const balance = (state as { balance?: unknown }).balance;
      return typeof balance === 'number' && balance < 0 ? `balance ${balance} < 0` : undefined;
    },
  },
];

/** The workload value an event carries (`data.value`), if any. */
export function workloadValue(e: UnsignedEnvelope): string | undefined {
  const value = (e.data as { value?: unknown } | null)?.value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Folds every stream of `events` (any order; a repeated id counts once, as the fold ignores
 * duplicates) with the registry's reducers. Pure.
 */
export function foldAll(
  events: readonly UnsignedEnvelope[],
  registry: DomainRegistry,
): { readonly folds: OwnStreamFold[]; readonly unfoldable: UnfoldableStream[] } {
  const byStream = new Map<StreamId, UnsignedEnvelope[]>();
  const seen = new Set<EventId>();
  for (const e of events) {
    if (seen.has(e.id)) continue;
    seen.add(e.id);
    const list = byStream.get(e.stream) ?? [];
    list.push(e);
    byStream.set(e.stream, list);
  }
  const folds: OwnStreamFold[] = [];
  const unfoldable: UnfoldableStream[] = [];
  for (const [stream, list] of byStream) {
    try {
      const fold = foldStream(list, registry.forStream(stream).reducer, { stream });
      const noops = new Set(fold.noops);
      folds.push({
        stream,
        category: streamCategory(stream),
        state: fold.state,
        heads: fold.heads,
        effective: fold.order.filter((e) => !noops.has(e.id)),
      });
    } catch (error) {
      unfoldable.push({ stream, reason: (error as Error).message });
    }
  }
  return { folds, unfoldable };
}
