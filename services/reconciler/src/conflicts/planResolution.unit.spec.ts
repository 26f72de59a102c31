import { describe, expect, it } from 'vitest';
import {
  buildMerge,
  detectConflict,
  failoverOrder,
  foldStream,
  mergePatchDomain,
  ownerRegion,
  RESOLUTION_POLICIES,
  TestEventFactory,
  type DomainModule,
  type UnsignedEnvelope,
} from '@concord/core';
import { accountDomain } from '@concord/domains';
import { planResolution } from './planResolution.js';
import { StreamBackoff } from './StreamBackoff.js';

const REGIONS = ['us', 'eu', 'ap'];

/** us and eu write concurrently on top of one common event. */
function forked(stream: string, data: [object, object, object] = [{ a: 1 }, { a: 2 }, { a: 3 }]) {
  const f = new TestEventFactory({ stream });
  const root = f.event({ type: 'Set', data: data[0] as never });
  const us = f.event({ type: 'Set', data: data[1] as never, parents: [root.id], origin: 'us' });
  const eu = f.event({ type: 'Set', data: data[2] as never, parents: [root.id], origin: 'eu' });
  return [root, us, eu];
}

function conflictOf(events: readonly UnsignedEnvelope[], module: DomainModule) {
  const c = detectConflict({ events }, module)!;
  return { id: c.id, stream: c.stream, heads: [...c.heads] };
}

describe('planResolution', () => {
  const profile = mergePatchDomain('profile') as DomainModule;

  it('the owner emits the lww merge of core buildMerge', () => {
    const events = forked('profile-1');
    const owner = ownerRegion('profile-1', REGIONS);
    const plan = planResolution({
      conflict: conflictOf(events, profile),
      module: profile,
      regions: REGIONS,
      self: owner,
      isReachable: () => true,
      events: () => events,
    });
    expect(plan).toMatchObject({ action: 'emit', policy: 'lww', role: 'owner', owner });
    if (plan.action !== 'emit') return;
    expect(plan.merge).toEqual(buildMerge({ events, module: profile, regions: REGIONS }).merge);
    expect(plan.merge.origin).toBe(owner);
  });

  it('a failover region emits the very same merge (origin stays the owner)', () => {
    const events = forked('profile-2');
    const [owner, second] = failoverOrder('profile-2', REGIONS) as [string, string];
    const plan = planResolution({
      conflict: conflictOf(events, profile),
      module: profile,
      regions: REGIONS,
      self: second,
      isReachable: (r) => r !== owner,
      events: () => events,
    });
    expect(plan).toMatchObject({ action: 'emit', role: 'failover', owner });
    if (plan.action !== 'emit') return;
    expect(plan.merge.origin).toBe(owner);
    expect(plan.merge).toEqual(buildMerge({ events, module: profile, regions: REGIONS }).merge);
  });

  it('others skip without reading the events; manual conflicts wait for an operator', () => {
    const events = forked('ticket-1');
    const [owner, second] = failoverOrder('ticket-1', REGIONS) as [string, string];
    const unread = () => {
      throw new Error('events must not be read');
    };
    expect(
      planResolution({
        conflict: conflictOf(events, profile),
        module: profile,
        regions: REGIONS,
        self: second,
        isReachable: () => true,
        events: unread,
      }),
    ).toMatchObject({ action: 'skip', reason: 'not-responsible', responsible: owner });
    const manual = mergePatchDomain('ticket', RESOLUTION_POLICIES.manual) as DomainModule;
    expect(
      planResolution({
        conflict: conflictOf(events, manual),
        module: manual,
        regions: REGIONS,
        self: owner,
        isReachable: () => true,
        events: unread,
      }),
    ).toMatchObject({ action: 'skip', reason: 'manual' });
  });

  it('skips a conflict whose heads are no longer the stream heads', () => {
    const events = forked('profile-3');
    const conflict = conflictOf(events, profile);
    const owner = ownerRegion('profile-3', REGIONS);
    const merge = buildMerge({ events, module: profile, regions: REGIONS }).merge;
    const f = new TestEventFactory({ stream: 'profile-3', seed: 'other' });
    const third = f.event({ type: 'Set', data: { b: 1 }, parents: [events[0]!.id], origin: 'ap' });
    for (const later of [
      [...events, merge],
      [...events, third],
    ]) {
      expect(
        planResolution({
          conflict,
          module: profile,
          regions: REGIONS,
          self: owner,
          isReachable: () => true,
          events: () => later,
        }),
      ).toMatchObject({ action: 'skip', reason: 'stale' });
    }
  });

  it('custom policy: the account resolver compensates the withdrawal that bounces', () => {
    const f = new TestEventFactory({ stream: 'account-9' });
    const opened = f.event({ type: 'Opened' });
    const funded = f.event({ type: 'Deposited', data: { amount: 100 } });
    const us = f.event({
      type: 'Withdrawn',
      data: { amount: 80 },
      parents: [funded.id],
      origin: 'us',
    });
    const eu = f.event({
      type: 'Withdrawn',
      data: { amount: 70 },
      parents: [funded.id],
      origin: 'eu',
    });
    const events = [opened, funded, us, eu];
    const module = accountDomain as DomainModule;
    const plan = planResolution({
      conflict: conflictOf(events, module),
      module,
      regions: REGIONS,
      self: ownerRegion('account-9', REGIONS),
      isReachable: () => true,
      events: () => events,
    });
    expect(plan).toMatchObject({ action: 'emit', policy: 'custom' });
    if (plan.action !== 'emit') return;
    const compensations = plan.merge.data['compensations'] as { withdrawal: string }[];
    expect(compensations).toHaveLength(1);
    const state = foldStream([...events, plan.merge], module.reducer).state as { balance: number };
    expect(state.balance).toBeGreaterThanOrEqual(0);
  });
});

describe('StreamBackoff', () => {
  it('doubles per consecutive failure of a stream, caps, and forgets on success', () => {
    const b = new StreamBackoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 });
    expect(b.blocked('s', 0)).toBe(false);
    expect(b.failure('s', 0)).toBe(100);
    expect(b.blocked('s', 99)).toBe(true);
    expect(b.blocked('s', 100)).toBe(false);
    expect(b.blocked('other', 50)).toBe(false);
    expect(b.failure('s', 100)).toBe(200);
    expect(b.failure('s', 300)).toBe(400);
    expect(b.failure('s', 700)).toBe(800);
    expect(b.failure('s', 1500)).toBe(1000);
    expect(b.failures('s')).toBe(5);
    b.success('s');
    expect(b.blocked('s', 1501)).toBe(false);
    expect(b.failure('s', 2000)).toBe(100);
  });
});
