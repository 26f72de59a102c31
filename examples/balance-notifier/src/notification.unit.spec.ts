import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AppliedEvent } from '@concord/client';
import { formatAmount, notificationOf } from './notification.js';

function applied(stream: string, type: string, data: Record<string, unknown>): AppliedEvent {
  return {
    id: 'e1',
    stream,
    type,
    origin: 'us',
    data,
    region: 'eu',
    appliedSeq: '1',
    traceparent: undefined,
    envelope: {} as AppliedEvent['envelope'],
    topic: 'concord.applied.eu',
    partition: 0,
    offset: '0',
  };
}

describe('notificationOf', () => {
  it('one notification per deposit or withdrawal of an account', () => {
    expect(notificationOf(applied('account-7', 'Deposited', { amount: 1234 }))).toEqual({
      account: 'account-7',
      kind: 'deposit',
      amount: 1234,
      message: 'account-7: 12.34 EUR received',
    });
    expect(
      notificationOf(applied('account-7', 'Withdrawn', { amount: 5, currency: 'EUR' })),
    ).toMatchObject({ kind: 'withdrawal', message: 'account-7: 0.05 EUR paid out' });
    expect(notificationOf(applied('account-7', 'Opened', {}))).toBeUndefined();
    expect(notificationOf(applied('cart-7', 'Deposited', { amount: 5 }))).toBeUndefined();
    expect(notificationOf(applied('account-7', 'Deposited', { amount: '5' }))).toBeUndefined();
  });

  it('property: a notification exactly for positive integer amounts of Deposited/Withdrawn on account-*', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('account-1', 'cart-1', 'profile-1'),
        fc.constantFrom('Deposited', 'Withdrawn', 'Opened', 'ItemAdded'),
        fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(undefined)),
        (stream, type, amount) => {
          const note = notificationOf(applied(stream, type, { amount }));
          const expected =
            stream.startsWith('account-') &&
            (type === 'Deposited' || type === 'Withdrawn') &&
            typeof amount === 'number' &&
            Number.isSafeInteger(amount) &&
            amount > 0;
          expect(note !== undefined).toBe(expected);
          if (note) expect(note.amount).toBe(amount);
        },
      ),
    );
  });

  it('property: formatAmount writes cents as units and two decimals', () => {
    fc.assert(
      fc.property(fc.nat(), (amount) => {
        const text = formatAmount(amount);
        expect(text).toMatch(/^[0-9]+\.[0-9]{2}$/);
        expect(Math.round(Number(text) * 100)).toBe(amount);
      }),
    );
  });
});
