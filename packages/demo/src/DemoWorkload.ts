import { randomInt } from 'node:crypto';
import {
  WriterClient,
  type AckedWrite,
  type AppendBody,
  type AppendClient,
  type FailedWrite,
} from '@concord/chaos';
import { sleep } from '@concord/core';

export interface DemoCounters {
  /** Acknowledged writes per home region since the start (wherever they were acknowledged). */
  readonly acked: Record<string, number>;
  readonly failed: Record<string, number>;
  readonly transfers: number;
}

const SKUS = ['apple', 'bread', 'cheese', 'dates', 'eggs', 'figs'];
const TIERS = ['bronze', 'silver', 'gold'];

/**
 * The demo's business traffic in every region at once: withdrawals (often concurrent, on
 * shared accounts), deposits, transfers (a withdrawal, then a deposit on another account with
 * `causedBy`), cart changes and profile edits. Accounts are funded once at the start.
 */
export class DemoWorkload {
  readonly ackedWrites: AckedWrite[] = [];
  readonly failedWrites: FailedWrite[] = [];
  /** Domain rejections (4xx): definite failures, kept apart from the counters of failed writes. */
  readonly rejectedWrites: FailedWrite[] = [];
  readonly counters: DemoCounters;
  private stopped = false;
  private seq = 0;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    /** One client per region: a plain writer client, or one with failover homed there. */
    private readonly clients: readonly AppendClient[],
    private readonly runId: string,
    private readonly options: {
      accounts: number;
      carts: number;
      profiles: number;
      ratePerRegion: number;
      /** Who waits for the funded accounts in every region. Default: the plain clients. */
      readers?: readonly WriterClient[];
    },
  ) {
    this.counters = {
      acked: Object.fromEntries(clients.map((c) => [c.region, 0])),
      failed: Object.fromEntries(clients.map((c) => [c.region, 0])),
      transfers: 0,
    };
  }

  account(k: number): string {
    return `account-${this.runId}-${k}`;
  }

  /** Opens and funds every account in the first region and waits until all regions have it. */
  async setUp(): Promise<void> {
    const first = this.clients[0]!;
    let last: string | undefined;
    for (let k = 0; k < this.options.accounts; k++) {
      await this.write(first, this.account(k), { type: 'Opened', data: {} });
      last = await this.write(first, this.account(k), {
        type: 'Deposited',
        data: { amount: 2_000 },
      });
    }
    if (last) {
      const readers = this.options.readers ?? this.clients.filter((c) => c instanceof WriterClient);
      for (const c of readers) {
        await c.readStream(this.account(this.options.accounts - 1), {
          eventId: last,
          waitMs: 20_000,
        });
      }
    }
  }

  /** Runs every region's traffic until `stop()`. */
  async run(): Promise<void> {
    await Promise.all(this.clients.map((c) => this.loop(c)));
    await Promise.allSettled([...this.inFlight]);
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop(client: AppendClient): Promise<void> {
    const interval = 1000 / this.options.ratePerRegion;
    let next = performance.now();
    while (!this.stopped) {
      next += interval;
      if (this.inFlight.size < 64) {
        const op = this.operation(client);
        this.inFlight.add(op);
        void op.finally(() => this.inFlight.delete(op));
      }
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }

  private async operation(client: AppendClient): Promise<void> {
    const roll = randomInt(100);
    if (roll < 30) {
      // Concurrent withdrawals: every region hits the same few accounts.
      await this.write(client, this.account(randomInt(this.options.accounts)), {
        type: 'Withdrawn',
        data: { amount: 20 + randomInt(180) },
      });
    } else if (roll < 40) {
      await this.write(client, this.account(randomInt(this.options.accounts)), {
        type: 'Deposited',
        data: { amount: 50 + randomInt(250) },
      });
    } else if (roll < 52) {
      await this.transfer(client);
    } else if (roll < 80) {
      const cart = `cart-${this.runId}-${randomInt(this.options.carts)}`;
      const sku = SKUS[randomInt(SKUS.length)]!;
      await this.write(
        client,
        cart,
        randomInt(3) === 0
          ? { type: 'ItemRemoved', data: { sku } }
          : { type: 'ItemAdded', data: { sku, quantity: 1 + randomInt(3) } },
      );
    } else {
      const profile = `profile-${this.runId}-${randomInt(this.options.profiles)}`;
      const patch =
        randomInt(2) === 0
          ? { tier: TIERS[randomInt(TIERS.length)] }
          : { lastSeenIn: client.region, visits: randomInt(1000) };
      await this.write(client, profile, { type: 'ProfileUpdated', data: patch });
    }
  }

  /** A withdrawal on one account, then a deposit on another (any region) caused by it. */
  private async transfer(client: AppendClient): Promise<void> {
    const from = randomInt(this.options.accounts);
    const to = (from + 1 + randomInt(this.options.accounts - 1)) % this.options.accounts;
    const amount = 10 + randomInt(90);
    const withdrawal = await this.write(client, this.account(from), {
      type: 'Withdrawn',
      data: { amount },
    });
    if (!withdrawal) return;
    const target = this.clients[randomInt(this.clients.length)]!;
    const deposit = await this.write(target, this.account(to), {
      type: 'Deposited',
      data: { amount },
      causedBy: withdrawal,
    });
    if (deposit) (this.counters as { transfers: number }).transfers++;
  }

  /** Appends with a unique idempotency key; returns the event id when acknowledged. */
  private async write(
    client: AppendClient,
    stream: string,
    body: Omit<AppendBody, 'idempotencyKey'>,
  ): Promise<string | undefined> {
    const value = `${this.runId}-${this.seq++}`;
    // The value also goes into the data, so the checker counts it in the stored events and
    // the applied feeds (docs/chaos.md), not by event id.
    const outcome = await client.append(stream, {
      ...body,
      data: { ...body.data, value },
      idempotencyKey: value,
    });
    if (outcome.ok) {
      this.counters.acked[client.region]! += 1;
      this.ackedWrites.push({
        region: outcome.region ?? client.region, // where it was acknowledged (failover)
        stream,
        eventId: outcome.event.id,
        value,
        at: Date.now(),
      });
      return outcome.event.id;
    }
    this.counters.failed[client.region]! += 1;
    const failed = {
      region: client.region,
      stream,
      value,
      at: Date.now(),
      code: outcome.code,
      ambiguous: outcome.ambiguous,
    };
    // A rejection is a definite failure too: its value must be applied nowhere either.
    if (outcome.code === 'DOMAIN_REJECTED') this.rejectedWrites.push(failed);
    else this.failedWrites.push(failed);
    return undefined;
  }
}
