import { domainSpec } from '@concord/core';
import { describe, expect, it } from 'vitest';
import { PROFILE_EVENTS, profileDomain } from './profileDomain.js';

const spec = domainSpec(profileDomain, { stream: 'profile-42' });
const updated = (data: Record<string, unknown>) => ({
  type: PROFILE_EVENTS.updated,
  data: data as never,
});

describe('profile domain', () => {
  it('applies merge patches: set, nested merge, delete with null', () => {
    spec
      .given(updated({ name: 'Ada', address: { city: 'Paris', zip: '75001' }, tags: ['a'] }))
      .when(updated({ address: { zip: '75002' }, tags: ['b'] }), updated({ name: null }))
      .then({ address: { city: 'Paris', zip: '75002' }, tags: ['b'] });
  });

  it('prepare accepts ProfileUpdated only', () => {
    spec
      .given()
      .prepare({ type: 'ProfileUpdated', data: { name: 'x' } })
      .then({ name: 'x' });
    spec.given().prepare({ type: 'Deleted' }).rejects('DOMAIN_REJECTED');
  });

  it('concurrent edits: per-field last writer wins in fold order, the lww merge records winners', () => {
    const stage = spec
      .given(updated({ name: 'Ada', city: 'Paris' }))
      .concurrently(
        [updated({ name: 'Ada L.' })],
        [updated({ name: 'Ada K.', email: 'ada@example.org' })],
      );
    // Branch 1 (eu) is written after branch 0 (us) by the spec's clock: it wins `name`.
    stage.thenState({ name: 'Ada K.', city: 'Paris', email: 'ada@example.org' });
    stage.thenConflict((conflict) => {
      expect(conflict?.policy).toBe('lww');
      expect(conflict?.contestedFields).toEqual(['/name']);
      expect(conflict?.winners).toEqual({ '/name': stage.headOf(1) });
    });
    stage.thenMerged({ name: 'Ada K.', city: 'Paris', email: 'ada@example.org' });
    // An operator may still keep the other branch.
    stage.thenMerged({ name: 'Ada L.', city: 'Paris' }, { choose: stage.headOf(0) });
  });

  it('the spec helper fails on a wrong expectation (it can fail)', () => {
    expect(() => spec.given(updated({ a: 1 })).then({ a: 2 })).toThrow(/state differs/);
  });
});
