import type {
  CheckpointStore,
  CheckpointTransaction,
  PartitionKey,
} from '../applied/processRecord.js';

/** The handler's side of a transaction of the memory store: what it wrote. */
export interface MemoryClient {
  readonly writes: string[];
}

interface State {
  checkpoints: Map<string, bigint>;
  seen: Set<string>;
  invalid: string[];
  writes: string[];
}

const partitionId = (k: PartitionKey) => `${k.group}|${k.topic}|${k.partition}`;

/**
 * A CheckpointStore in memory with real transaction semantics (all of a transaction or none
 * of it), for the unit tests of processRecord. `crashBeforeCommit` makes the next commit fail,
 * as if the process died between the handler and the commit.
 */
export class MemoryCheckpointStore implements CheckpointStore<MemoryClient> {
  private state: State = { checkpoints: new Map(), seen: new Set(), invalid: [], writes: [] };
  crashBeforeCommit = false;

  get writes(): readonly string[] {
    return this.state.writes;
  }

  get invalid(): readonly string[] {
    return this.state.invalid;
  }

  checkpointOf(key: PartitionKey): bigint | null {
    return this.state.checkpoints.get(partitionId(key)) ?? null;
  }

  async load(key: PartitionKey): Promise<bigint | null> {
    return this.checkpointOf(key);
  }

  async transaction<T>(fn: (tx: CheckpointTransaction<MemoryClient>) => Promise<T>): Promise<T> {
    const staged: State = {
      checkpoints: new Map(this.state.checkpoints),
      seen: new Set(this.state.seen),
      invalid: [...this.state.invalid],
      writes: [...this.state.writes],
    };
    const result = await fn({
      client: { writes: staged.writes },
      lockCheckpoint: async (key) => staged.checkpoints.get(partitionId(key)) ?? null,
      markSeen: async (key, eventId) => {
        const id = `${key.group}|${eventId}`;
        if (staged.seen.has(id)) return false;
        staged.seen.add(id);
        return true;
      },
      recordInvalid: async (key, offset, reason) => {
        staged.invalid.push(`${partitionId(key)}@${offset}: ${reason}`);
      },
      advance: async (key, next) => {
        const id = partitionId(key);
        const current = staged.checkpoints.get(id);
        staged.checkpoints.set(id, current !== undefined && current > next ? current : next);
      },
    });
    if (this.crashBeforeCommit) {
      this.crashBeforeCommit = false;
      throw new Error('crashed before commit');
    }
    this.state = staged;
    return result;
  }
}
