import { describe, expect, it } from 'vitest';
import { conflictId, mergeEventId } from '../envelope/ids.js';
import { RESOLUTION_POLICIES } from '../domain/DomainModule.js';
import { mergePatchDomain } from '../domain/mergePatchDomain.js';
import { foldStream } from '../fold/foldStream.js';
import { TestEventFactory } from '../testing/TestEventFactory.js';
import { detectConflict } from './analyzeConflict.js';
import { buildManualMerge, buildMerge } from './buildMerge.js';
import { failoverOrder, ownerRegion, responsibleRegion, streamOwnershipHash } from './ownership.js';

const REGIONS = ['us', 'eu', 'ap'];
const profile = mergePatchDomain('profile');

function forked() {
  const f = new TestEventFactory({ stream: 'profile-7' });
  const root = f.event({
    type: 'Set',
    data: { name: 'Ada', address: { city: 'Paris', zip: '75001' } },
  });
  const us1 = f.event({
    type: 'Set',
    data: { name: 'Ada L.' },
    parents: [root.id],
    origin: 'us',
    hlc: { wall: 2000, logical: 0 },
  });
  const us2 = f.event({
    type: 'Set',
    data: { address: { zip: '75002' } },
    parents: [us1.id],
    origin: 'us',
    hlc: { wall: 2001, logical: 0 },
  });
  const eu1 = f.event({
    type: 'Set',
    data: { name: 'Ada K.', address: null },
    parents: [root.id],
    origin: 'eu',
    hlc: { wall: 2000, logical: 0 },
  });
  const ap1 = f.event({
    type: 'Set',
    data: { mood: 'happy' },
    parents: [root.id],
    origin: 'ap',
    hlc: { wall: 1999, logical: 0 },
  });
  return { events: [root, us1, us2, eu1, ap1], root, us1, us2, eu1, ap1 };
}

describe('detectConflict', () => {
  it('has no conflict with one head', () => {
    const f = new TestEventFactory({ stream: 'profile-1' });
    expect(
      detectConflict({ events: f.chain({ type: 'Set' }, { type: 'Set' }) }, profile),
    ).toBeNull();
  });

  it('records heads, deterministic id, branches, contested fields and lww winners', () => {
    const { events, us1, us2, eu1, ap1 } = forked();
    const conflict = detectConflict({ events }, profile)!;
    const heads = [us2.id, eu1.id, ap1.id].sort();
    expect(conflict.heads).toEqual(heads);
    expect(conflict.id).toBe(conflictId('profile-7', [...heads].reverse()));
    expect(conflict.policy).toBe('lww');
    const branch = (head: string) => conflict.branches.find((b) => b.head === head)?.events;
    expect(branch(us2.id)).toEqual([us1.id, us2.id]);
    expect(branch(eu1.id)).toEqual([eu1.id]);
    expect(branch(ap1.id)).toEqual([ap1.id]);
    // eu deletes /address while us writes /address/zip: one contested field, the shorter path.
    expect(conflict.contestedFields).toEqual(['/address', '/name']);
    // Fold order: ap1 (1999), eu1 (2000, "eu" < "us"), us1 (2000, us), us2: us writes last.
    expect(conflict.winners).toEqual({ '/address': us2.id, '/name': us1.id });
    expect(foldStream(events, profile.reducer).state).toEqual({
      name: 'Ada L.',
      address: { zip: '75002' },
      mood: 'happy',
    });
  });

  it('builds the lww merge of docs/semantics.md §5: id, parents, owner origin, successor hlc, winners', () => {
    const { events, us2, eu1, ap1 } = forked();
    const { merge, conflict } = buildMerge({ events, module: profile, regions: REGIONS });
    expect(merge).toEqual({
      v: 1,
      id: mergeEventId('profile-7', conflict.heads),
      stream: 'profile-7',
      type: 'concord.merge',
      data: { policy: 'lww', conflictId: conflict.id, winners: conflict.winners },
      origin: ownerRegion('profile-7', REGIONS),
      hlc: { wall: us2.hlc.wall, logical: us2.hlc.logical + 1 },
      parents: [us2.id, eu1.id, ap1.id].sort(),
      meta: {},
    });
    const after = foldStream([...events, merge], profile.reducer);
    expect(after.heads).toEqual([merge.id]);
    expect(after.state).toEqual(foldStream(events, profile.reducer).state);
    // The emitting region does not matter: another region list order, same merge.
    expect(buildMerge({ events, module: profile, regions: ['ap', 'us', 'eu'] }).merge).toEqual(
      merge,
    );
  });

  it('refuses to merge a single head or a manual conflict without an operator', () => {
    const f = new TestEventFactory({ stream: 'ticket-1' });
    const manual = mergePatchDomain('ticket', RESOLUTION_POLICIES.manual);
    expect(() =>
      buildMerge({ events: f.chain({ type: 'Set' }), module: manual, regions: REGIONS }),
    ).toThrow(expect.objectContaining({ code: 'CONFLICT_NOT_OPEN' }));
    const { events } = forked();
    const asTicket = events.map((e) => ({ ...e, stream: 'ticket-1' }));
    expect(() => buildMerge({ events: asTicket, module: manual, regions: REGIONS })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: expect.objectContaining({ reason: 'manual-resolution-required' }),
      }),
    );
  });

  it('manual merges: choosing a branch restores its state; two different resolutions are two merges', () => {
    const { events, eu1, us2 } = forked();
    const manual = mergePatchDomain('profile', RESOLUTION_POLICIES.manual);
    const chooseEu = buildManualMerge({
      events,
      module: manual,
      regions: REGIONS,
      resolution: { choose: eu1.id },
    }).merge;
    expect(foldStream([...events, chooseEu], manual.reducer).state).toEqual({ name: 'Ada K.' });
    const chooseUs = buildManualMerge({
      events,
      module: manual,
      regions: REGIONS,
      resolution: { choose: us2.id },
    }).merge;
    const patch = buildManualMerge({
      events,
      module: manual,
      regions: REGIONS,
      resolution: { patch: { name: 'X' } },
    }).merge;
    expect(new Set([chooseEu.id, chooseUs.id, patch.id]).size).toBe(3);
    expect(chooseEu.id).not.toBe(mergeEventId('profile-7', chooseEu.parents));
    // Same resolution again: same id (an operator retrying does not fork).
    expect(
      buildManualMerge({ events, module: manual, regions: REGIONS, resolution: { choose: eu1.id } })
        .merge.id,
    ).toBe(chooseEu.id);
    const both = foldStream([...events, chooseEu, patch], manual.reducer);
    expect(both.heads).toEqual([chooseEu.id, patch.id].sort());
    expect(() =>
      buildManualMerge({
        events,
        module: manual,
        regions: REGIONS,
        resolution: { choose: events[0]!.id },
      }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
  });
});

describe('ownership', () => {
  it('owner = sorted(regions)[first 4 bytes of sha256(stream) mod n], failover wraps in sorted order', () => {
    const hash = streamOwnershipHash('account-42');
    const sorted = ['ap', 'eu', 'us'];
    const owner = sorted[hash % 3];
    expect(ownerRegion('account-42', ['us', 'ap', 'eu'])).toBe(owner);
    const order = failoverOrder('account-42', REGIONS);
    expect(order[0]).toBe(owner);
    expect([...order].sort()).toEqual(sorted);
    const start = sorted.indexOf(owner!);
    expect(order).toEqual([...sorted.slice(start), ...sorted.slice(0, start)]);
    expect(responsibleRegion('account-42', REGIONS, (r) => r !== owner)).toBe(order[1]);
    expect(responsibleRegion('account-42', REGIONS, () => false)).toBeUndefined();
    expect(() => ownerRegion('x', [])).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('spreads streams over regions', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const owner = ownerRegion(`s-${i}`, REGIONS);
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const region of REGIONS) expect(counts.get(region)).toBeGreaterThan(850);
  });
});
