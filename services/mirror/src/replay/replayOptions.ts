/** What `concord replay` is given (docs/mirror.md, "Replay"), and the schema it builds. */
import type { RegionId } from '@concord/config';
import type { DomainRegistry, ReadModel } from '@concord/core';
import { LIVE_SCHEMA } from '../store/locks.js';

/** The schema replay builds before swapping it in. */
export const NEXT_SCHEMA = `${LIVE_SCHEMA}_next`;

export interface ReplayOptions {
  readonly region: RegionId;
  /**
   * `false` (default): re-fold the live projection's stored events (re-verified) into a fresh
   * schema. `true`: re-read every source topic from offset 0 (the log of record).
   */
  readonly fromBeginning?: boolean;
  readonly domains?: DomainRegistry;
  /** The read models rebuilt (docs/mirror.md, "Read models"). Default: `defaultReadModels`. */
  readonly readModels?: readonly ReadModel[];
  /** Keep the replaced schema as `projection_prev` (default true). */
  readonly keepPrevious?: boolean;
  /** Events per transaction. Default 5000. */
  readonly chunk?: number;
  readonly checkpointEvery?: number;
  /** Progress lines (stderr in the CLI). */
  readonly progress?: (message: string) => void;
  /** Longest wait for the source topics to reach the live offsets, in ms. Default 600 000. */
  readonly timeoutMs?: number;
}
