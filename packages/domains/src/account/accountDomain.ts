import {
  ConcordError,
  defineDomain,
  isMergeEvent,
  RESOLUTION_POLICIES,
  type ConflictContext,
  type ContestedField,
  type DomainModule,
  type EventId,
  type EventSchema,
  type JsonObject,
  type UnsignedEnvelope,
} from '@concord/core';
import { z } from 'zod';

/** The event types of an `account-*` stream. Amounts are integer minor units (cents). */
export const ACCOUNT_EVENTS = {
  /** `{}`: the account exists. */
  opened: 'Opened',
  /**
   * `{ amount, currency }` (v2; v1: `{ amount }`): money in. A transfer is a Withdrawn on one
   * account and a Deposited on the other with `causedBy`.
   */
  deposited: 'Deposited',
  /** `{ amount, currency }` (v2; v1: `{ amount }`): money out; bounces (no debit) when it exceeds the balance in fold order. */
  withdrawn: 'Withdrawn',
} as const;

/** The one currency of every account (explicit in the data since schema version 2). */
export const ACCOUNT_CURRENCY = 'EUR';

export interface BouncedWithdrawal {
  readonly id: EventId;
  readonly amount: number;
}

/** A withdrawal reversed by a merge: accepted in its own branch, bounced once the branches merged. */
export interface Compensation {
  readonly withdrawal: EventId;
  readonly amount: number;
  /** The merge event that recorded it. */
  readonly merge: EventId;
}

export interface AccountState {
  readonly open: boolean;
  /** Never below 0. */
  readonly balance: number;
  /** Withdrawals that exceeded the balance in fold order, in fold order. */
  readonly bounced: readonly BouncedWithdrawal[];
  readonly compensations: readonly Compensation[];
}

const mergeData = z.object({
  compensations: z.array(z.object({ withdrawal: z.string(), amount: z.number() })).optional(),
});
const positiveAmount = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
/** `Deposited` / `Withdrawn` data, schema version 2. */
const moneyData = z.object({ amount: positiveAmount, currency: z.literal(ACCOUNT_CURRENCY) });
/** What a client may send: the v1 payload `{ amount }` or the v2 one with its currency. */
const moneyCommand = z.object({ amount: positiveAmount, currency: z.unknown().optional() });

function reject(message: string, details: Record<string, unknown>): never {
  throw new ConcordError('DOMAIN_REJECTED', message, { details });
}

/** v1 → v2: version 1 had one implicit currency, the account's (any `currency` key meant nothing). */
function addCurrency(data: JsonObject): JsonObject {
  return { ...data, currency: ACCOUNT_CURRENCY };
}

/** v2 → v1, for writers still writing v1: only the account currency has a v1 form. */
function dropCurrency(data: JsonObject): JsonObject {
  const { currency, ...rest } = data;
  if (currency !== ACCOUNT_CURRENCY) {
    reject(`version 1 events are in ${ACCOUNT_CURRENCY} only`, { field: 'data.currency' });
  }
  return rest;
}

const moneyEvent: EventSchema = {
  version: 2,
  // Expand step of the rollout: read v1 and v2, write v1 until every region reads v2.
  writeVersion: 1,
  upcast: { 1: addCurrency },
  downcast: { 2: dropCurrency },
};

/**
 * The event schemas of the account module: `Deposited` and `Withdrawn` are at version 2
 * (`{ amount, currency }`), written as version 1 for now (docs/schema-evolution.md).
 */
export const ACCOUNT_SCHEMAS: Readonly<Record<string, EventSchema>> = {
  [ACCOUNT_EVENTS.opened]: {},
  [ACCOUNT_EVENTS.deposited]: moneyEvent,
  [ACCOUNT_EVENTS.withdrawn]: moneyEvent,
};

/** What differs between the releases of the account module. */
export interface AccountRelease {
  /** The amount of a `Deposited` / `Withdrawn` as this release reads its data; `undefined`: invalid. */
  readonly amountOf: (event: UnsignedEnvelope) => number | undefined;
  /** The data to write for a valid deposit or withdrawal of `amount`, from the command's data. */
  readonly moneyData: (amount: number, command: JsonObject) => JsonObject;
  /** Checks the command's money data beyond the amount (throws DOMAIN_REJECTED). */
  readonly checkCommand?: (command: JsonObject) => void;
  readonly events?: Readonly<Record<string, EventSchema>>;
}

/**
 * A ledger with the invariant balance ≥ 0 in every region, whatever the interleaving:
 * - the reducer never debits more than the balance: a withdrawal that exceeds it, in fold
 *   order, bounces (recorded, no debit) — the fold order is the same everywhere, so are the
 *   bounces;
 * - `prepare` rejects overdrafts against the writer's (possibly stale) projection, so bounces
 *   only come from concurrent withdrawals in different regions;
 * - policy `custom`: the merge lists, as explicit compensations, the withdrawals that were
 *   accepted in their own branch but bounce once the branches are merged; the reducer
 *   records those still bounced when it folds the merge, so the reversal is auditable and
 *   `compensations` ⊆ `bounced` in every region.
 * Events with invalid amounts (not written by a Concord writer) change nothing.
 */
export function accountModule(release: AccountRelease): DomainModule<AccountState> {
  const { amountOf } = release;
  return defineDomain<AccountState>({
    category: 'account',
    policy: RESOLUTION_POLICIES.custom,
    ...(release.events === undefined ? {} : { events: release.events }),
    reducer: {
      initialState: () => ({ open: false, balance: 0, bounced: [], compensations: [] }),
      evolve(state, event) {
        if (isMergeEvent(event)) {
          const parsed = mergeData.safeParse(event.data);
          if (!parsed.success || !parsed.data.compensations?.length) return state;
          // Only withdrawals still bounced here are reversals: events concurrent with the merge
          // may sort before a withdrawal and fund it after all, and then nothing was reversed.
          const bounced = new Map(state.bounced.map((b) => [b.id, b.amount]));
          const known = new Set(state.compensations.map((c) => c.withdrawal));
          const added = parsed.data.compensations
            .filter((c) => bounced.has(c.withdrawal) && !known.has(c.withdrawal))
            .map((c) => ({
              withdrawal: c.withdrawal,
              amount: bounced.get(c.withdrawal) as number,
              merge: event.id,
            }));
          return added.length === 0
            ? state
            : { ...state, compensations: [...state.compensations, ...added] };
        }
        switch (event.type) {
          case ACCOUNT_EVENTS.opened:
            return state.open ? state : { ...state, open: true };
          case ACCOUNT_EVENTS.deposited: {
            const amount = amountOf(event);
            return amount === undefined ? state : { ...state, balance: state.balance + amount };
          }
          case ACCOUNT_EVENTS.withdrawn: {
            const amount = amountOf(event);
            if (amount === undefined) return state;
            if (amount > state.balance)
              return { ...state, bounced: [...state.bounced, { id: event.id, amount }] };
            return { ...state, balance: state.balance - amount };
          }
          default:
            return state;
        }
      },
    },
    prepare(state, command): JsonObject {
      if (command.type === ACCOUNT_EVENTS.opened) {
        if (state.open) reject('the account is already open', { field: 'type' });
        return command.data;
      }
      if (command.type !== ACCOUNT_EVENTS.deposited && command.type !== ACCOUNT_EVENTS.withdrawn) {
        reject(`unknown account event type ${command.type}`, { field: 'type' });
      }
      const parsed = moneyCommand.safeParse(command.data);
      if (!parsed.success)
        reject('amount must be a positive integer (minor units)', { field: 'data.amount' });
      release.checkCommand?.(command.data);
      if (!state.open) reject('the account is not open', { field: 'stream' });
      const { amount } = parsed.data;
      if (command.type === ACCOUNT_EVENTS.withdrawn && amount > state.balance) {
        reject('insufficient funds', { field: 'data.amount', balance: state.balance, amount });
      }
      return release.moneyData(amount, command.data);
    },
    resolve(context) {
      return {
        compensations: compensationsOf(context).map((c) => ({
          withdrawal: c.withdrawal,
          amount: c.amount,
        })),
      };
    },
    contestedFields(context): ContestedField[] {
      const withdrawals = context.sinceFork
        .filter((e) => e.type === ACCOUNT_EVENTS.withdrawn)
        .map((e) => e.id);
      const contested = withdrawals.filter((a) =>
        withdrawals.some((b) => context.concurrent(a, b)),
      );
      return contested.length === 0 ? [] : [{ field: '/balance', writers: contested }];
    },
  });
}

/**
 * The account module: a ledger (see {@link accountModule}) whose `Deposited` and `Withdrawn`
 * carry `{ amount, currency }` since schema version 2. The currency is the account's one
 * currency, {@link ACCOUNT_CURRENCY}: v1 events (`{ amount }`) are upcast to it, and a command
 * in another currency is refused. It writes version 1 for now, so it can roll out next to
 * regions that still run the previous release (`accountDomainV1`).
 */
export const accountDomain = accountModule({
  amountOf(event) {
    const parsed = moneyData.safeParse(event.data);
    return parsed.success ? parsed.data.amount : undefined;
  },
  checkCommand(data) {
    const currency = data['currency'] ?? ACCOUNT_CURRENCY;
    if (currency !== ACCOUNT_CURRENCY) {
      reject(`the account currency is ${ACCOUNT_CURRENCY}`, { field: 'data.currency' });
    }
  },
  moneyData: (amount) => ({ amount, currency: ACCOUNT_CURRENCY }),
  events: ACCOUNT_SCHEMAS,
});

/**
 * The withdrawals the merge must reverse: bounced in the merged fold, yet accepted (debited) in
 * the fold of a branch that contains them, and not compensated by an earlier merge. In fold
 * order. A pure function of the stream's causal past.
 */
export function compensationsOf(
  context: ConflictContext<AccountState>,
): { withdrawal: EventId; amount: number }[] {
  const bounced = new Map(context.fold.state.bounced.map((b) => [b.id, b.amount]));
  const done = new Set(context.fold.state.compensations.map((c) => c.withdrawal));
  const acceptedSomewhere = new Set<EventId>();
  for (const branch of context.branches) {
    const own = new Set(context.foldPast(branch.head).state.bounced.map((b) => b.id));
    for (const id of branch.events) if (bounced.has(id) && !own.has(id)) acceptedSomewhere.add(id);
  }
  return context.fold.order
    .filter((event) => acceptedSomewhere.has(event.id) && !done.has(event.id))
    .map((event) => ({ withdrawal: event.id, amount: bounced.get(event.id) as number }));
}
