/**
 * The fold plan of an apply transaction is core's (packages/core/src/fold/foldPlan.ts): this
 * module names its types for the mirror's candidates; applyEvents does the IO around it.
 */
import type {
  FoldInput as CoreFoldInput,
  FoldOutcome as CoreFoldOutcome,
  FoldPlan as CoreFoldPlan,
  StreamFoldRow,
} from '@concord/core';
import type { Candidate } from './ApplyTypes.js';

export { foldOutcome, groupByStream, keysUsed, planFold, type SuffixEvent } from '@concord/core';

/** A stream's row in `projection.streams` (what the fold resumes from). */
export type StreamRow = StreamFoldRow;
/** Which path the fold takes for one stream in one transaction. */
export type FoldPlan = CoreFoldPlan<Candidate>;
/** Everything the fold of one stream needs, loaded from the store. */
export type FoldInput = CoreFoldInput<Candidate>;
/** What to write for one stream. */
export type FoldOutcome = CoreFoldOutcome<Candidate>;
