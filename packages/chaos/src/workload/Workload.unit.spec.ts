import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConcordError, DomainRegistry, type JsonObject } from '@concord/core';
import { defaultDomains } from '@concord/domains';
import { Workload } from './Workload.js';
import type { AppendBody, AppendClient, AppendOutcome } from './WriterClient.js';

/**
 * A client that answers as a writer would for the domain rules: each stream's state folded by
 * the real domain module, every command checked by its `prepare` (DOMAIN_REJECTED otherwise).
 */
class DomainCheckingClient implements AppendClient {
  readonly region = 'us';
  readonly rejected: { stream: string; type: string; message: string }[] = [];
  private readonly registry = new DomainRegistry(defaultDomains);
  private readonly states = new Map<string, unknown>();

  async append(stream: string, body: AppendBody): Promise<AppendOutcome> {
    const module = this.registry.forStream(stream);
    const state = this.states.get(stream) ?? module.reducer.initialState();
    try {
      const data = module.prepare
        ? module.prepare(state, { stream, type: body.type, data: body.data as JsonObject })
        : (body.data as JsonObject);
      // Written as the writer writes it (downcast to the write version, stamped in meta).
      const written = this.registry.encodeForWrite(stream, body.type, data);
      const meta = { schemaVersion: written.version };
      const event = {
        id: randomUUID(),
        stream,
        type: body.type,
        data: written.data,
        meta,
      } as never;
      this.states.set(stream, module.reducer.evolve(state, event));
      return { ok: true, status: 201, event, duplicate: false, ms: 1 };
    } catch (error) {
      if (!(error instanceof ConcordError)) throw error;
      this.rejected.push({ stream, type: body.type, message: error.message });
      return {
        ok: false,
        status: 422,
        code: error.code,
        message: error.message,
        ambiguous: false,
        ms: 1,
      };
    }
  }
}

describe('the chaos workload', () => {
  it('opens and funds its accounts, so its deposits and withdrawals are accepted (not refused as “not open”)', async () => {
    const client = new DomainCheckingClient();
    const workload = new Workload({
      clients: [client],
      rate: 400,
      seed: 7,
      runId: 'w1',
      accounts: 2,
      accountShare: 1,
    });
    await workload.seedAccounts(1_000_000);
    const result = await workload.run(400);
    const accountOps = result.acked.filter((a) => a.stream.startsWith('account-'));
    expect(accountOps.length).toBeGreaterThan(20);
    expect(client.rejected).toEqual([]);
  });
});
