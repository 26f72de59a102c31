import {
  ConcordError,
  newEventId,
  schemaVersionOf,
  signEnvelope,
  withSchemaVersion,
  type UnsignedEnvelope,
} from '@concord/core';
import type { Logger } from '@concord/telemetry';
import { deriveHeads } from '../heads/deriveHeads.js';
import type { AppendCommand } from './AppendCommand.js';
import type { AppendContext, AppenderDeps, AppendResult } from './appendTypes.js';
import { AfterAck } from './afterAck.js';
import { checkMerge } from './checkMerge.js';
import { encodeData, prepareData } from './domainData.js';
import { HlcStamper } from './HlcStamper.js';
import { answerRepeat, earlierWithKey } from './idempotencyCheck.js';
import { instrumented, logAppendFailure } from './instrumentation.js';
import { payloadHash } from './payloadHash.js';
import { produceSigned } from './produceSigned.js';
import { StateReader } from './stateReader.js';
import type { LockMode } from './StreamSerializer.js';

export type { AppendContext, AppenderDeps, AppendResult, FenceGate } from './appendTypes.js';
export { outcomeOf, type AppendOutcome } from './instrumentation.js';

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * The append path of docs/writer.md §2, in this order: fence → idempotency fast path (Redis) →
 * per-stream serialisation (in-process queue + Redis lock) → [in the critical section]
 * own chain + projection snapshot (`stateReader.ts`) → idempotency, the projection being the
 * truth (`idempotencyCheck.ts`) → heads (projection heads + own unprojected events) → expected
 * heads → domain `prepare` → encoding at the type's write version (`domainData.ts`) → fence
 * again → HLC stamp after the parents (`HlcStamper.ts`) → sign → produce and wait for the Kafka
 * ack (`produceSigned.ts`). Only after the ack: the own chain, the idempotency record and the
 * heads cache are written (`afterAck.ts`). Nothing is written anywhere before the ack, so a
 * failed append leaves nothing behind. Metrics and log lines: `instrumentation.ts`.
 *
 * This class only orchestrates those stages; every time read goes through `deps.now` (and
 * `deps.clock`, built on the same `now`), except durations (monotonic, `instrumentation.ts`).
 */
export class Appender {
  private readonly state: StateReader;
  private readonly stamper: HlcStamper;
  private readonly afterAck: AfterAck;

  constructor(private readonly deps: AppenderDeps) {
    this.state = new StateReader(deps);
    this.stamper = new HlcStamper(deps.clock, deps.region, deps.metrics);
    this.afterAck = new AfterAck(deps);
  }

  /**
   * Appends one command. Resolves with the event (201) or the earlier event of the same
   * idempotency key (200); rejects with a ConcordError carrying the stable code.
   */
  async append(command: AppendCommand, context: AppendContext = {}): Promise<AppendResult> {
    const { deps } = this;
    const logger = deps.logger.child({
      stream: command.stream,
      ...(context.requestId ? { reqId: context.requestId } : {}),
    });
    return instrumented(
      deps.metrics,
      async (elapsedMs) => {
        deps.fence.assertOpen();
        const hash = payloadHash(command);
        const key = command.idempotencyKey;
        if (key !== undefined && context.fastPath !== false) {
          const known = await deps.idempotency.lookup(command.stream, key);
          const repeat = answerRepeat(command, hash, [known], deps.metrics);
          if (repeat) return repeat;
        }
        const result = await deps.serializer.run(command.stream, (mode) =>
          this.appendInSection(command, hash, mode, context, logger),
        );
        if (result.duplicate) {
          logger.debug({ eventId: result.event.id }, 'duplicate append (idempotency key)');
        } else {
          logger.info(
            {
              eventId: result.event.id,
              type: result.event.type,
              schemaVersion: schemaVersionOf(result.event),
              parents: result.event.parents.length,
              ms: Math.round(elapsedMs() * 10) / 10,
            },
            'event appended',
          );
        }
        return result;
      },
      (error, outcome) => logAppendFailure(logger, error, outcome),
    );
  }

  private async appendInSection(
    command: AppendCommand,
    hash: string,
    mode: LockMode,
    context: AppendContext,
    logger: Logger,
  ): Promise<AppendResult> {
    const { deps } = this;
    const { stream } = command;
    const key = command.idempotencyKey;
    const domain = deps.domains.forStream(stream);
    const { chain, snapshot, remembered } = await this.state.read(
      command,
      domain.prepare !== undefined,
      logger,
    );

    if (key !== undefined) {
      const earlier = earlierWithKey(key, snapshot, chain, remembered);
      const repeat = answerRepeat(command, hash, earlier, deps.metrics);
      if (repeat) return repeat;
    }

    const { heads, remaining } = deriveHeads({
      projectionHeads: snapshot.heads,
      chain: chain.entries,
      projected: snapshot.projected,
    });
    const parents = heads.map((h) => h.id);
    if (command.expectedHeads && !sameSet(command.expectedHeads, parents)) {
      throw new ConcordError(
        'EXPECTED_HEADS_MISMATCH',
        `stream ${stream} has other heads than expected`,
        { details: { heads: parents, expected: command.expectedHeads } },
      );
    }
    const { data, version } = encodeData(
      domain,
      command.type,
      prepareData(domain, snapshot, remaining, command),
    );
    // A fence set while this append waited for its turn applies to it too.
    deps.fence.assertOpen();
    const hlc = this.stamper.stamp(heads, command.causedBy, snapshot, logger);

    const own = await produceSigned(
      deps,
      {
        v: 1,
        id: newEventId(),
        stream,
        type: command.type,
        data,
        origin: deps.region,
        hlc,
        parents,
        ...(command.causedBy === undefined ? {} : { causedBy: command.causedBy }),
        ...(key === undefined ? {} : { idempotencyKey: key }),
        meta: withSchemaVersion({ payloadHash: hash }, version),
      },
      context,
    );
    this.stamper.remember(own.id, hlc);
    // This process keeps the envelope only where it serves: `prepare` (own writes folded into
    // the state) and idempotency keys (local dedupe); the rest is just {id, parents, hlc}.
    const keep = key !== undefined || domain.prepare !== undefined;
    const entry = keep ? own : { ...own, envelope: undefined, bytes: 0 };
    const writes = [
      this.afterAck.remember(chain, remaining, entry, own.envelope, snapshot, domain),
    ];
    if (key !== undefined) {
      writes.push(
        deps.idempotency.remember(stream, key, {
          payloadHash: hash,
          event: own.envelope,
          position: own.position,
        }),
      );
    }
    await this.afterAck.settle(writes, mode, logger);
    return { event: own.envelope, duplicate: false, position: own.position };
  }

  /**
   * Appends a `concord.merge` built by a reconciler (docs/writer.md §6): validated
   * (`checkMerge.ts`), deduplicated by its deterministic id, signed by this region (its origin
   * stays the owner region), produced to this region's topic through the same per-stream
   * serialisation, and remembered as an own event so that the next appends here descend from
   * it instead of forking again.
   *
   * @throws ConcordError VALIDATION_FAILED / ENVELOPE_INVALID / ENVELOPE_TOO_LARGE for
   * anything but a valid merge with its deterministic id; REGION_FENCED; BUS_UNAVAILABLE…
   */
  async appendMerge(merge: unknown, context: AppendContext = {}): Promise<AppendResult> {
    const { deps } = this;
    // Not measured: a malformed merge is refused before it counts as an append.
    const unsigned = checkMerge(merge, deps.maxEventBytes);
    const logger = deps.logger.child({ stream: unsigned.stream, eventId: unsigned.id });
    return instrumented(
      deps.metrics,
      async () => {
        deps.fence.assertOpen();
        const result = await deps.serializer.run(unsigned.stream, (mode) =>
          this.mergeInSection(unsigned, mode, context, logger),
        );
        logger.info(
          { duplicate: result.duplicate, parents: unsigned.parents.length },
          'merge appended',
        );
        return result;
      },
      (error) => logger.warn({ err: error }, 'merge refused'),
    );
  }

  private async mergeInSection(
    merge: UnsignedEnvelope,
    mode: LockMode,
    context: AppendContext,
    logger: Logger,
  ): Promise<AppendResult> {
    const { deps } = this;
    const { chain, snapshot } = await this.state.read(
      { stream: merge.stream, eventId: merge.id },
      false,
      logger,
    );
    const known =
      snapshot.existing ?? chain.entries.find((e) => e.id === merge.id && e.envelope)?.envelope;
    if (known) return { event: known, duplicate: true };
    if (chain.entries.some((e) => e.id === merge.id)) {
      // Appended by another writer process of the region: the same event, signed here.
      return { event: signEnvelope(merge, deps.signer), duplicate: true };
    }
    const { remaining } = deriveHeads({
      projectionHeads: snapshot.heads,
      chain: chain.entries,
      projected: snapshot.projected,
    });
    deps.fence.assertOpen();
    const own = await produceSigned(deps, merge, context);
    this.stamper.remember(own.id, merge.hlc);
    const domain = deps.domains.forStream(merge.stream);
    await this.afterAck.settle(
      [this.afterAck.remember(chain, remaining, own, own.envelope, snapshot, domain)],
      mode,
      logger,
    );
    return { event: own.envelope, duplicate: false, position: own.position };
  }
}
