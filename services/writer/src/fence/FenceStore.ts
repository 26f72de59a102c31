import { readFence, writeFence, type FenceRow, type pg } from '@concord/postgres';

/** The region's fence, as stored durably in `concord.fence`. */
export interface FenceStatus {
  readonly fenced: boolean;
  readonly reason: string | null;
  readonly updatedBy: string | null;
  /** ISO time of the last change; null when the region was never fenced. */
  readonly updatedAt: string | null;
}

export const OPEN: FenceStatus = { fenced: false, reason: null, updatedBy: null, updatedAt: null };

/** Port: where the fence lives (Postgres `concord.fence`; a variable in unit tests). */
export interface FenceStore {
  read(): Promise<FenceStatus>;
  write(fenced: boolean, reason: string | null, updatedBy: string): Promise<FenceStatus>;
}

const toStatus = (row: FenceRow | undefined): FenceStatus =>
  row
    ? {
        fenced: row.fenced,
        reason: row.reason,
        updatedBy: row.updated_by,
        updatedAt: row.updated_at.toISOString(),
      }
    : OPEN;

/** The fence in the regional Postgres: control data, not derived from Kafka (ADR 0002). */
export class PostgresFenceStore implements FenceStore {
  constructor(private readonly pool: pg.Pool) {}

  async read(): Promise<FenceStatus> {
    return toStatus(await readFence(this.pool));
  }

  async write(fenced: boolean, reason: string | null, updatedBy: string): Promise<FenceStatus> {
    return toStatus(await writeFence(this.pool, fenced, reason, updatedBy));
  }
}
