import { describe, expect, it } from 'vitest';
import { DomainRegistry, isConcordError, withWriteVersions } from '@concord/core';
import { accountDomain, accountDomainV1, defaultDomains } from '@concord/domains';
import { inMemoryAppender } from '../testing/inMemoryPorts.js';

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (isConcordError(e) ? e.code : String(e)),
  );

/** Opens and funds `stream`, then withdraws, all from this process's own unprojected events. */
async function ledger(domains?: DomainRegistry) {
  const { appender, log } = inMemoryAppender(domains ? { domains } : {});
  const stream = 'account-1';
  await appender.append({ stream, type: 'Opened', data: {} });
  await appender.append({ stream, type: 'Deposited', data: { amount: 100 } });
  await appender.append({ stream, type: 'Withdrawn', data: { amount: 60, currency: 'EUR' } });
  // Only possible if `prepare` folded both own events, whatever version they were written in.
  const overdraft = await code(
    appender.append({ stream, type: 'Withdrawn', data: { amount: 41 } }),
  );
  return { appender, events: log.events(), overdraft };
}

describe('Appender: schema versions', () => {
  it('writes at the write version: the shipped account module writes v1 (no meta key)', async () => {
    const { events, overdraft } = await ledger();
    expect(overdraft).toBe('DOMAIN_REJECTED');
    expect(events.map((e) => [e.type, e.data, e.meta.schemaVersion])).toEqual([
      ['Opened', {}, undefined],
      ['Deposited', { amount: 100 }, undefined],
      ['Withdrawn', { amount: 60 }, undefined],
    ]);
  });

  it('writes v2 data and meta.schemaVersion 2 once the write version is raised', async () => {
    const contracted = new DomainRegistry([
      ...defaultDomains.filter((m) => m.category !== 'account'),
      withWriteVersions(accountDomain, { Deposited: 2, Withdrawn: 2 }),
    ]);
    const { events, overdraft } = await ledger(contracted);
    expect(overdraft).toBe('DOMAIN_REJECTED');
    expect(events.map((e) => [e.type, e.data, e.meta.schemaVersion])).toEqual([
      ['Opened', {}, undefined],
      ['Deposited', { amount: 100, currency: 'EUR' }, 2],
      ['Withdrawn', { amount: 60, currency: 'EUR' }, 2],
    ]);
  });

  it('the previous release still writes v1 (a currency in the payload is dropped, as before)', async () => {
    const old = new DomainRegistry([
      ...defaultDomains.filter((m) => m.category !== 'account'),
      accountDomainV1,
    ]);
    const { events } = await ledger(old);
    expect(events.map((e) => [e.data, e.meta.schemaVersion])).toEqual([
      [{}, undefined],
      [{ amount: 100 }, undefined],
      [{ amount: 60 }, undefined],
    ]);
  });

  it('refuses what the domain cannot express: another currency, an unknown type', async () => {
    const { appender } = inMemoryAppender();
    const stream = 'account-2';
    await appender.append({ stream, type: 'Opened', data: {} });
    expect(
      await code(
        appender.append({ stream, type: 'Deposited', data: { amount: 1, currency: 'USD' } }),
      ),
    ).toBe('DOMAIN_REJECTED');
    expect(await code(appender.append({ stream, type: 'Frozen', data: {} }))).toBe(
      'DOMAIN_REJECTED',
    );
  });
});
