import { describe, expect, it } from 'vitest';
import {
  DomainRegistry,
  eventSetSum,
  foldStream,
  stateHash,
  TestEventFactory,
} from '@concord/core';
import { accountDomain, accountDomainV1 } from '@concord/domains';
import type { StreamSummaryRow } from '@concord/postgres';
import { independentDigest, rowProblems, UNREADABLE } from './independentDigest.js';

const registry = new DomainRegistry([accountDomain]);
const f = new TestEventFactory({ stream: 'account-1', seed: 'independent-digest' });
const opened = f.event({ type: 'Opened' });
const deposited = f.event({ type: 'Deposited', data: { amount: 5 }, parents: [opened.id] });
const events = [opened, deposited];

/** The stored row and summary of `account-1` as a correct projection holds it. */
function correctRow(): StreamSummaryRow {
  const fold = foldStream(events, accountDomain.reducer, { stream: 'account-1' });
  return {
    stream: 'account-1',
    version: fold.version,
    ids_hash: eventSetSum(events.map((e) => e.id)),
    state_hash: stateHash(fold.state),
    heads: [...fold.heads],
    state_md5: 'md5',
    n: events.length,
    max_seq: '2',
    sum_seq: '3',
  };
}

describe('independentDigest', () => {
  it('is the event-set sum and the hash of the independent fold', () => {
    const fold = foldStream(events, accountDomain.reducer, { stream: 'account-1' });
    const digest = independentDigest(registry, 'account-1', events);
    expect(digest).toMatchObject({
      stream: 'account-1',
      eventSetHash: eventSetSum([opened.id, deposited.id]),
      stateHash: stateHash(fold.state),
      eventCount: 2,
      heads: [deposited.id],
      version: 2,
    });
    expect(rowProblems(correctRow(), digest, fold.state)).toEqual([]);
  });

  it('marks a causal gap unfoldable, and the stored row as such', () => {
    const digest = independentDigest(registry, 'account-1', [deposited]);
    expect(digest.stateHash).toBe('unfoldable');
    expect(rowProblems(correctRow(), digest, undefined)).toEqual(['unfoldable']);
  });

  it('marks events this code cannot interpret unreadable; their row is not checked', () => {
    const newer = f.event({
      type: 'Deposited',
      data: { amount: 7, currency: 'EUR' },
      parents: [deposited.id],
      schemaVersion: 2,
    });
    const old = new DomainRegistry([accountDomainV1]);
    const digest = independentDigest(old, 'account-1', [...events, newer]);
    expect(digest.stateHash).toBe(UNREADABLE);
    expect(rowProblems({ ...correctRow(), version: 99 }, digest, undefined)).toEqual([]);
  });

  it('names every field of the stored row that differs from the fold', () => {
    const digest = independentDigest(registry, 'account-1', events);
    const wrong = {
      ...correctRow(),
      version: 1,
      ids_hash: 'x',
      state_hash: 'y',
      heads: [opened.id],
    };
    expect(rowProblems(wrong, digest, { balance: -1 })).toEqual([
      'ids_hash',
      'state_hash',
      'state',
      'heads',
      'version',
    ]);
    expect(rowProblems({ ...correctRow(), version: null }, digest, undefined)).toEqual([
      'row-missing',
    ]);
    expect(rowProblems({ ...correctRow(), n: null }, undefined, undefined)).toEqual(['row-orphan']);
  });
});
