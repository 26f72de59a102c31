import type { AppliedEvent } from '@concord/client';

/** A notification of one applied deposit or withdrawal (pure: no IO). */
export interface Notification {
  /** The account stream, e.g. `account-42`. */
  readonly account: string;
  readonly kind: 'deposit' | 'withdrawal';
  /** Integer minor units (cents), as in the event. */
  readonly amount: number;
  readonly message: string;
}

const KINDS: Readonly<Record<string, Notification['kind']>> = {
  Deposited: 'deposit',
  Withdrawn: 'withdrawal',
};

/** `1234` → `12.34`. */
export function formatAmount(amount: number): string {
  const cents = String(amount % 100).padStart(2, '0');
  return `${Math.floor(amount / 100)}.${cents}`;
}

/**
 * The notification of an applied event: one per `Deposited` or `Withdrawn` of an `account-*`
 * stream with a positive integer amount, none for anything else. A withdrawal is notified as
 * applied, whether or not the fold bounces it (the account's state says that).
 */
export function notificationOf(event: AppliedEvent): Notification | undefined {
  const kind = KINDS[event.type];
  if (kind === undefined || !event.stream.startsWith('account-')) return undefined;
  const amount = event.data['amount'];
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0) return undefined;
  const currency = typeof event.data['currency'] === 'string' ? event.data['currency'] : 'EUR';
  const verb = kind === 'deposit' ? 'received' : 'paid out';
  return {
    account: event.stream,
    kind,
    amount,
    message: `${event.stream}: ${formatAmount(amount)} ${currency} ${verb}`,
  };
}
