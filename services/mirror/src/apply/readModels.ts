import {
  authoredReducer,
  type DomainModule,
  type DomainRegistry,
  type StreamId,
} from '@concord/core';
import { cartLines, type AccountState, type CartState } from '@concord/domains';

/** Rows of the example domains' read models, derived from new stream states. */
export interface ReadModelRows {
  /** `projection.account_balances`. */
  readonly balances: { stream: StreamId; balance: string; bounced: number }[];
  /** Carts whose lines are replaced (`projection.cart_items`). */
  readonly carts: StreamId[];
  readonly cartLines: { stream: StreamId; sku: string; quantity: string }[];
  /** `projection.profiles`. */
  readonly profiles: { stream: StreamId; doc: unknown }[];
}

/**
 * The read-model rows of the streams a transaction changed: one balance row per `account-*`
 * stream, the lines of each `cart-*` stream, the document of each `profile-*` stream. Only for
 * categories served by the shipped domain module — or the shipped module with other write
 * versions (`withWriteVersions`: same reducer, same state); a deployment that registers its own
 * `account` module gets no balances row from Concord.
 */
export function readModelRows(
  streams: readonly { stream: StreamId; category: string; state: unknown }[],
  registry: DomainRegistry,
  shipped: { account?: unknown; cart?: unknown; profile?: unknown },
): ReadModelRows {
  const rows: ReadModelRows = { balances: [], carts: [], cartLines: [], profiles: [] };
  const served = (category: 'account' | 'cart' | 'profile') => {
    const module = shipped[category] as DomainModule | undefined;
    if (module === undefined || !registry.has(category)) return false;
    const registered = registry.forCategory(category);
    return registered === module || authoredReducer(registered) === authoredReducer(module);
  };
  const account = served('account');
  const cart = served('cart');
  const profile = served('profile');
  for (const { stream, category, state } of streams) {
    if (category === 'account' && account) {
      const s = state as AccountState;
      rows.balances.push({ stream, balance: String(s.balance), bounced: s.bounced.length });
    } else if (category === 'cart' && cart) {
      rows.carts.push(stream);
      for (const line of cartLines(state as CartState)) {
        rows.cartLines.push({ stream, sku: line.sku, quantity: String(line.quantity) });
      }
    } else if (category === 'profile' && profile) {
      rows.profiles.push({ stream, doc: state });
    }
  }
  return rows;
}
