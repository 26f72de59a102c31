/**
 * What the source consumer knows of each assigned partition (docs/mirror.md, "Offsets, crash
 * safety, rebalances"): the epoch that makes outcomes of batches fetched before a seek stale,
 * the log start after a refused gap, the applied offset, the batches submitted but not yet
 * applied, and the last fetched high watermark — the backlog metrics read them.
 */
/** What one partition owes the applier: for the backlog metrics (docs/operations.md). */
export interface PartitionBacklog {
  readonly topic: string;
  readonly partition: number;
  /** Next offset applied (stored in Postgres), when known. */
  readonly applied: bigint | undefined;
  /** Kafka timestamp (ms) of the oldest fetched record not yet applied, if any. */
  readonly oldestUnappliedAt: number | undefined;
  /** The log end (high watermark) the last fetch reported, when one came. */
  readonly fetchedLogEnd: bigint | undefined;
}

export interface PartitionState {
  /** Bumped at every seek: outcomes of batches fetched before it are stale. */
  epoch: number;
  /** The log-start offset read after a refused gap, when the stored offset is below it. */
  logStart: bigint | undefined;
  /** True while the log-start offset is being read. */
  probing: boolean;
  /** Next offset applied, as stored in Postgres (assignment, then every outcome). */
  applied: bigint | undefined;
  /** Submitted batches not yet applied: last offset and first record's Kafka timestamp. */
  unapplied: { last: bigint; at: number }[];
  /** High watermark of the last fetched batch. */
  logEnd: bigint | undefined;
}

let epochs = 0;

/** The partitions of one source consumer, by `<topic>:<partition>`. */
export class PartitionStates {
  private readonly byKey = new Map<string, PartitionState>();

  /** The state of `key`, created on first use. */
  get(key: string): PartitionState {
    let state = this.byKey.get(key);
    if (!state) {
      state = {
        epoch: ++epochs,
        logStart: undefined,
        probing: false,
        applied: undefined,
        unapplied: [],
        logEnd: undefined,
      };
      this.byKey.set(key, state);
    }
    return state;
  }

  clear(): void {
    this.byKey.clear();
  }

  /** A seek: outcomes of batches fetched before it become stale. */
  bumpEpoch(state: PartitionState): void {
    state.epoch = ++epochs;
  }

  noteApplied(state: PartitionState, next: bigint): void {
    if (state.applied === undefined || next > state.applied) state.applied = next;
    const applied = state.applied;
    state.unapplied = state.unapplied.filter((b) => b.last >= applied);
  }

  /** Per partition: what is applied and the oldest fetched record that is not. */
  backlog(): PartitionBacklog[] {
    return [...this.byKey].map(([key, state]) => {
      const at = key.lastIndexOf(':');
      return {
        topic: key.slice(0, at),
        partition: Number(key.slice(at + 1)),
        applied: state.applied,
        oldestUnappliedAt: state.unapplied.reduce<number | undefined>(
          (min, b) => (min === undefined || b.at < min ? b.at : min),
          undefined,
        ),
        fetchedLogEnd: state.logEnd,
      };
    });
  }
}
