import { mapPgError, type pg } from '@concord/postgres';

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

interface FenceRow {
  fenced: boolean;
  reason: string | null;
  updated_by: string | null;
  updated_at: Date;
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
    try {
      const { rows } = await this.pool.query<FenceRow>(
        'select fenced, reason, updated_by, updated_at from concord.fence where singleton',
      );
      return toStatus(rows[0]);
    } catch (error) {
      throw mapPgError(error, 'fence');
    }
  }

  async write(fenced: boolean, reason: string | null, updatedBy: string): Promise<FenceStatus> {
    try {
      const { rows } = await this.pool.query<FenceRow>(
        `insert into concord.fence (singleton, fenced, reason, updated_by, updated_at)
         values (true, $1, $2, $3, now())
         on conflict (singleton) do update set fenced = excluded.fenced, reason = excluded.reason,
           updated_by = excluded.updated_by, updated_at = excluded.updated_at
         returning fenced, reason, updated_by, updated_at`,
        [fenced, reason, updatedBy],
      );
      return toStatus(rows[0]);
    } catch (error) {
      throw mapPgError(error, 'fence');
    }
  }
}
