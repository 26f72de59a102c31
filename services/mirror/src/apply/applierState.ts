import type { DomainRegistry, Envelope, ReadModel } from '@concord/core';
import type { Logger } from '@concord/telemetry';
import type { MirrorTelemetry } from '../telemetry/MirrorTelemetry.js';

export interface ApplierOptions {
  readonly region: string;
  readonly registry: DomainRegistry;
  /** Every region of the deployment (merge validation). */
  readonly regions: readonly string[];
  readonly readModels: readonly ReadModel[];
  readonly checkpointEvery: number;
  /** Records per transaction, at most (a single larger submission still goes alone). */
  readonly maxRoundRecords: number;
  readonly logger: Logger;
  readonly telemetry: MirrorTelemetry;
  /** Called after each commit that applied or rejected something (wakes the feed publisher). */
  readonly onCommit?: () => void;
  /** Called after each commit with the events it applied (instrumentation, benchmarks). */
  readonly onApplied?: (events: readonly Envelope[], committedAt: number) => void;
  /** Called when the projection generation changed under us (replay swapped the schema). */
  readonly onGeneration?: (previous: number | undefined, current: number) => void;
}

/** What the applier has done so far (for `stats()` and tests). */
export interface ApplierStats {
  applied: number;
  dlq: number;
  parked: number;
  unparked: number;
  duplicates: number;
  transactions: number;
  failures: number;
  sweepUnparked: number;
  /** Events held for their schema version, and held events released after an upgrade. */
  schemaHeld: number;
  schemaReleased: number;
  firstRoundStartedAt: number | undefined;
  /** When the first transaction committed, and how many events it applied. */
  firstCommitAt: number | undefined;
  firstCommitApplied: number;
  lastCommitAt: number | undefined;
  lastError: string | undefined;
  /** Since when transactions fail without one committing in between (undefined: healthy). */
  failingSince: number | undefined;
  /** The last failure's code: the SQLSTATE, else the driver's error code. */
  lastErrorCode: string | undefined;
  /** When the transaction now running began (undefined: none runs). */
  openSince: number | undefined;
}

/** The stats of an applier that has done nothing yet. */
export function initialApplierStats(): ApplierStats {
  return {
    applied: 0,
    dlq: 0,
    parked: 0,
    unparked: 0,
    duplicates: 0,
    transactions: 0,
    failures: 0,
    sweepUnparked: 0,
    schemaHeld: 0,
    schemaReleased: 0,
    firstRoundStartedAt: undefined,
    firstCommitAt: undefined,
    firstCommitApplied: 0,
    lastCommitAt: undefined,
    lastError: undefined,
    failingSince: undefined,
    lastErrorCode: undefined,
    openSince: undefined,
  };
}
