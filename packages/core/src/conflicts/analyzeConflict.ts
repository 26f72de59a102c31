import type { EventId, UnsignedEnvelope } from '../envelope/Envelope.js';
import { conflictId } from '../envelope/ids.js';
import { streamCategory } from '../envelope/streamCategory.js';
import type { ConflictBranch, ConflictContext, DomainModule } from '../domain/DomainModule.js';
import { upcastEvent } from '../domain/upcastEvent.js';
import { foldStream } from '../fold/foldStream.js';
import type { StreamFold } from '../fold/StreamFold.js';
import type { Conflict } from './Conflict.js';

/** The applied events of one stream, or their fold (which carries them in `order`). */
export type StreamInput<S> =
  | { readonly events: readonly UnsignedEnvelope[]; readonly fold?: undefined }
  | { readonly fold: StreamFold<S>; readonly events?: undefined };

/** The causal past of `head` (itself included), walking parent edges. */
export function causalPast(
  head: EventId,
  byId: ReadonlyMap<EventId, UnsignedEnvelope>,
): Set<EventId> {
  const past = new Set<EventId>([head]);
  const stack = [head];
  while (stack.length > 0) {
    const event = byId.get(stack.pop() as EventId);
    for (const parent of event?.parents ?? []) {
      if (!past.has(parent)) {
        past.add(parent);
        stack.push(parent);
      }
    }
  }
  return past;
}

/**
 * The fold with its events as the module reads them (upcast to its schema versions), so the
 * domain's hooks see one format whatever version each event was written in. Copies only what
 * changes.
 */
function upcastFold<S>(fold: StreamFold<S>, module: DomainModule<S>): StreamFold<S> {
  const order = fold.order.map((event) => upcastEvent(module, event));
  return order.every((event, i) => event === fold.order[i]) ? fold : { ...fold, order };
}

/**
 * Folds the stream and, when it has several heads, builds the conflict record and the context
 * its domain's hooks read (events upcast to the versions the module reads). `null` when there
 * is at most one head.
 */
export function analyzeConflict<S>(
  input: StreamInput<S>,
  module: DomainModule<S>,
): { conflict: Conflict; context: ConflictContext<S> } | null {
  const folded =
    input.fold ?? foldStream(input.events as readonly UnsignedEnvelope[], module.reducer);
  if (folded.heads.length < 2) return null;
  const fold = upcastFold(folded, module);
  const heads = [...fold.heads];
  const byId = new Map(fold.order.map((event) => [event.id, event] as const));
  const pasts = heads.map((head) => causalPast(head, byId));
  // Bit i set: the event is in the causal past of heads[i].
  const membership = new Map<EventId, bigint>();
  pasts.forEach((past, i) => {
    for (const id of past) membership.set(id, (membership.get(id) ?? 0n) | (1n << BigInt(i)));
  });
  const all = (1n << BigInt(heads.length)) - 1n;
  const common = new Set<EventId>();
  for (const [id, mask] of membership) if (mask === all) common.add(id);
  const sinceFork = fold.order.filter((event) => !common.has(event.id));
  const branches: ConflictBranch[] = heads.map((head, i) => ({
    head,
    events: sinceFork
      .filter((event) => ((membership.get(event.id) ?? 0n) >> BigInt(i)) & 1n)
      .map((e) => e.id),
  }));
  const stream = fold.stream;
  const id = conflictId(stream, heads);
  const pastFolds = new Map<EventId, StreamFold<S>>();
  const context: ConflictContext<S> = {
    stream,
    category: streamCategory(stream),
    conflictId: id,
    heads,
    fold,
    branches,
    common,
    sinceFork,
    concurrent(a, b) {
      const ma = membership.get(a);
      const mb = membership.get(b);
      if (ma === undefined || mb === undefined || ma === all || mb === all) return false;
      const both = ma & mb;
      return both !== ma && both !== mb;
    },
    foldPast(head) {
      let past = pastFolds.get(head);
      if (!past) {
        const index = heads.indexOf(head);
        const ids = index >= 0 ? (pasts[index] as Set<EventId>) : causalPast(head, byId);
        past = foldStream(
          fold.order.filter((event) => ids.has(event.id)),
          module.reducer,
          { stream },
        );
        pastFolds.set(head, past);
      }
      return past;
    },
  };
  const contested = [...(module.contestedFields?.(context) ?? [])].sort((a, b) =>
    a.field < b.field ? -1 : a.field > b.field ? 1 : 0,
  );
  const winners: Record<string, EventId> = {};
  for (const field of contested)
    if (field.winner !== undefined) winners[field.field] = field.winner;
  const conflict: Conflict = {
    id,
    stream,
    category: context.category,
    policy: module.policy,
    heads,
    branches,
    contestedFields: contested.map((field) => field.field),
    contested,
    winners,
  };
  return { conflict, context };
}

/**
 * The open conflict of a stream (more than one head), or `null`. Deterministic: every region
 * with the same applied set computes the same record.
 */
export function detectConflict<S>(input: StreamInput<S>, module: DomainModule<S>): Conflict | null {
  return analyzeConflict(input, module)?.conflict ?? null;
}
