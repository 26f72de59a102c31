import type { Supervisor } from '@concord/runner';
import { ProcessState, waitForProcessState, type StackController } from '@concord/stack';
import { describeFault, type PlannedFault } from '../schedule/planFaults.js';

export interface NemesisTargets {
  readonly stack: StackController;
  readonly supervisor: Supervisor;
}

/** One line of the fault timeline. */
export interface NemesisEvent {
  /** Wall time, ms since epoch. */
  readonly at: number;
  readonly fault: number;
  readonly phase: 'inject' | 'heal' | 'error';
  readonly text: string;
}

/**
 * Carries out a fault schedule against the running stack and services: WAN cuts, latency and
 * bandwidth limits, SIGKILL/SIGSTOP of services, Redis and Postgres outages, broker kills and
 * stops, writer clock skew, MirrorMaker 2 crashes. Every fault is healed by `heal`, and
 * `healAll` undoes whatever may still be in effect.
 */
export class Nemesis {
  readonly events: NemesisEvent[] = [];
  private readonly paused = new Map<string, number>();
  private readonly brokersDown = new Set<string>();
  private readonly redisDown = new Set<string>();
  private postgresDown = false;
  private readonly skewed = new Set<string>();
  private readonly mirrorMakersDown = new Set<string>();

  constructor(
    private readonly targets: NemesisTargets,
    private readonly log: (event: NemesisEvent) => void = () => undefined,
  ) {}

  async inject(fault: PlannedFault): Promise<void> {
    await this.guard(fault, 'inject', describeFault(fault.action), async () => {
      const { stack, supervisor } = this.targets;
      const a = fault.action;
      switch (a.kind) {
        case 'partition':
          for (const [x, y, dir] of a.cuts)
            await stack.links.partition(x, y, { oneway: dir === 'oneway' });
          return;
        case 'latency':
          await stack.links.latency(a.a, a.b, a.ms, { jitterMs: a.jitterMs });
          if (a.bitsPerSecond > 0) await stack.links.bandwidth(a.a, a.b, a.bitsPerSecond);
          return;
        case 'kill': {
          const pid = supervisor.pidOf(a.service);
          if (pid !== undefined) process.kill(pid, 'SIGKILL');
          return;
        }
        case 'pause': {
          const pid = supervisor.pidOf(a.service);
          if (pid !== undefined) {
            process.kill(pid, 'SIGSTOP');
            this.paused.set(a.service, pid);
            await waitForProcessState(pid, ProcessState.stopped);
          }
          return;
        }
        case 'redis':
          this.redisDown.add(a.region);
          await stack.redis(a.region).stop();
          return;
        case 'postgres':
          this.postgresDown = true;
          await stack.postgres().stop();
          return;
        case 'broker':
          this.brokersDown.add(a.region);
          await (a.mode === 'kill' ? stack.broker(a.region).kill() : stack.broker(a.region).stop());
          return;
        case 'clock':
          this.skewed.add(`writer-${a.region}`);
          await supervisor.restart(`writer-${a.region}`, {
            CONCORD_CLOCK_OFFSET_MS: String(a.offsetMs),
          });
          return;
        case 'mm2':
          this.mirrorMakersDown.add(a.region);
          await stack.mirrorMaker(a.region).kill();
          return;
      }
    });
  }

  async heal(fault: PlannedFault): Promise<void> {
    await this.guard(fault, 'heal', `heal: ${describeFault(fault.action)}`, async () => {
      const { stack, supervisor } = this.targets;
      const a = fault.action;
      switch (a.kind) {
        case 'partition':
          for (const [x, y, dir] of a.cuts)
            await stack.links.heal(x, y, { oneway: dir === 'oneway' });
          return;
        case 'latency':
          await stack.links.heal(a.a, a.b);
          return;
        case 'kill':
          // The supervisor restarts the service by itself; healing waits until it is back.
          await this.waitUp(a.service);
          return;
        case 'pause':
          this.resume(a.service);
          return;
        case 'redis':
          await stack.redis(a.region).start();
          this.redisDown.delete(a.region);
          return;
        case 'postgres':
          await stack.postgres().start();
          this.postgresDown = false;
          return;
        case 'broker':
          await stack.broker(a.region).start();
          this.brokersDown.delete(a.region);
          return;
        case 'clock':
          await supervisor.restart(`writer-${a.region}`, { CONCORD_CLOCK_OFFSET_MS: undefined });
          this.skewed.delete(`writer-${a.region}`);
          return;
        case 'mm2':
          // Nothing restarts a MirrorMaker by itself (locally: `stack up`): healing starts it
          // again and waits until its flows consume, from the source offsets it last committed.
          await stack.mirrorMaker(a.region).start();
          this.mirrorMakersDown.delete(a.region);
          return;
      }
    });
  }

  /** Undoes every fault that may still be in effect (also after an error). */
  async healAll(): Promise<void> {
    const { stack, supervisor } = this.targets;
    for (const service of [...this.paused.keys()]) this.resume(service);
    await stack.links.heal();
    for (const region of [...this.brokersDown]) await stack.broker(region).start();
    this.brokersDown.clear();
    for (const region of [...this.redisDown]) await stack.redis(region).start();
    this.redisDown.clear();
    if (this.postgresDown) await stack.postgres().start();
    this.postgresDown = false;
    for (const service of [...this.skewed])
      await supervisor.restart(service, { CONCORD_CLOCK_OFFSET_MS: undefined });
    this.skewed.clear();
    for (const region of [...this.mirrorMakersDown]) await stack.mirrorMaker(region).start();
    this.mirrorMakersDown.clear();
  }

  private resume(service: string): void {
    const pid = this.paused.get(service);
    this.paused.delete(service);
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // gone meanwhile
    }
  }

  private async waitUp(service: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = this.targets.supervisor.status().find((x) => x.name === service);
      if (!s || s.state === 'up') return;
      if (Date.now() > deadline) throw new Error(`${service} not back up after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async guard(
    fault: PlannedFault,
    phase: 'inject' | 'heal',
    text: string,
    fn: () => Promise<void>,
  ): Promise<void> {
    try {
      await fn();
      this.record({ at: Date.now(), fault: fault.index, phase, text });
    } catch (error) {
      this.record({
        at: Date.now(),
        fault: fault.index,
        phase: 'error',
        text: `${text}: ${(error as Error).message}`,
      });
    }
  }

  private record(event: NemesisEvent): void {
    this.events.push(event);
    this.log(event);
  }
}
