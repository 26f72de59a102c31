import {
  ConcordError,
  defineDomain,
  escapePointerToken,
  isMergeEvent,
  RESOLUTION_POLICIES,
  type ContestedField,
  type EventId,
  type JsonObject,
} from '@concord/core';
import { z } from 'zod';

/** The event types of a `cart-*` stream. */
export const CART_EVENTS = {
  /** `{ sku, quantity }`: adds `quantity` of `sku`, tagged by the event id. */
  itemAdded: 'ItemAdded',
  /** `{ sku, observed }`: removes the add-tags of `sku` its writer had seen. */
  itemRemoved: 'ItemRemoved',
} as const;

/** Per sku, the surviving add-tags (event id → quantity). An OR-set with quantities. */
export interface CartState {
  readonly items: Readonly<Record<string, Readonly<Record<EventId, number>>>>;
}

const sku = z.string().min(1).max(100);
const added = z.object({ sku, quantity: z.number().int().positive().max(1_000_000) });
const removed = z.object({ sku, observed: z.array(z.string()).optional() });

function reject(message: string, details: Record<string, unknown>): never {
  throw new ConcordError('DOMAIN_REJECTED', message, { details });
}

/**
 * An add-wins cart (observed-remove set): each `ItemAdded` is a tag (its event id); an
 * `ItemRemoved` removes only the tags it observed (`prepare` fills `observed` from the
 * writer's state when the client leaves it out). An add concurrent with a remove was not
 * observed by it, so it survives: add wins. The state is the same in any fold order, so
 * conflicts need no decision (policy `lww`); the merge only collapses the heads, and the
 * contested fields name the items added and removed concurrently.
 */
export const cartDomain = defineDomain<CartState>({
  category: 'cart',
  policy: RESOLUTION_POLICIES.lww,
  reducer: {
    initialState: () => ({ items: {} }),
    evolve(state, event) {
      if (isMergeEvent(event)) return state;
      if (event.type === CART_EVENTS.itemAdded) {
        const data = added.safeParse(event.data);
        if (!data.success) return state;
        const tags = { ...(state.items[data.data.sku] ?? {}), [event.id]: data.data.quantity };
        return { items: { ...state.items, [data.data.sku]: tags } };
      }
      if (event.type === CART_EVENTS.itemRemoved) {
        const data = removed.safeParse(event.data);
        const current = data.success ? state.items[data.data.sku] : undefined;
        if (!data.success || current === undefined) return state;
        const observed = new Set(data.data.observed ?? []);
        const tags = Object.fromEntries(
          Object.entries(current).filter(([tag]) => !observed.has(tag)),
        );
        const name = data.data.sku;
        const others = Object.fromEntries(
          Object.entries(state.items).filter(([key]) => key !== name),
        );
        return { items: Object.keys(tags).length === 0 ? others : { ...others, [name]: tags } };
      }
      return state;
    },
  },
  prepare(state, command): JsonObject {
    if (command.type === CART_EVENTS.itemAdded) {
      const data = added.safeParse(command.data);
      if (!data.success) reject('ItemAdded needs { sku, quantity > 0 }', { field: 'data' });
      return { sku: data.data.sku, quantity: data.data.quantity };
    }
    if (command.type === CART_EVENTS.itemRemoved) {
      const data = removed.safeParse(command.data);
      if (!data.success) reject('ItemRemoved needs { sku, observed? }', { field: 'data' });
      const tags = Object.keys(state.items[data.data.sku] ?? {}).sort();
      const observed = data.data.observed ?? tags;
      if (observed.length === 0)
        reject(`${data.data.sku} is not in the cart`, { field: 'data.sku' });
      return { sku: data.data.sku, observed: [...observed].sort() };
    }
    return reject(`unknown cart event type ${command.type}`, { field: 'type' });
  },
  contestedFields(context): ContestedField[] {
    const bySku = new Map<string, { id: EventId; remove: boolean }[]>();
    for (const event of context.sinceFork) {
      const skuOf = (event.data as { sku?: unknown }).sku;
      if (typeof skuOf !== 'string') continue;
      const list = bySku.get(skuOf) ?? [];
      list.push({ id: event.id, remove: event.type === CART_EVENTS.itemRemoved });
      bySku.set(skuOf, list);
    }
    const contested: ContestedField[] = [];
    for (const [name, writes] of bySku) {
      const involved = writes.filter((a) =>
        writes.some((b) => (a.remove || b.remove) && context.concurrent(a.id, b.id)),
      );
      if (involved.length > 0) {
        contested.push({
          field: `/items/${escapePointerToken(name)}`,
          writers: involved.map((w) => w.id),
        });
      }
    }
    return contested;
  },
});

/** The cart as lines: quantity = sum of the surviving add-tags, sorted by sku. */
export function cartLines(state: CartState): { sku: string; quantity: number }[] {
  return Object.keys(state.items)
    .sort()
    .map((name) => ({
      sku: name,
      quantity: Object.values(state.items[name] ?? {}).reduce((sum, q) => sum + q, 0),
    }));
}
