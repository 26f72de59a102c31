import type { ConcordConfig, RegionId } from '@concord/config';
import type { MirrorBacklog } from '@concord/mirror';
import { callService } from './serviceCalls.js';

/** What `GET /v1/status` of a reconciler answers (the fields the CLI reads). */
interface ReconcilerStatus {
  readonly region: RegionId;
  readonly fenced: boolean;
  readonly fenceReason: string | null;
  readonly openConflicts: number;
  readonly conflictsLastMinute: number;
  readonly pending: { count: number; oldestSeconds: number | null };
  readonly lag: readonly {
    origin: string;
    events: number;
    lagP50: number | null;
    lagMax: number | null;
    lastAppliedAgo: number;
  }[];
  readonly divergentStreams: number | null;
  readonly convergence: {
    comparedAt: string;
    converged: boolean;
    differingStreams: number;
    convergenceSeconds: number | null;
    unreachable: readonly string[];
  } | null;
  readonly splitBrain: { suspected: boolean; reasons: readonly string[] } | null;
  readonly peers: readonly { region: string; reachable: boolean }[];
}

/** One region in `concord status`. */
export interface RegionStatus {
  readonly region: RegionId;
  readonly reachable: boolean;
  readonly error?: string;
  readonly endpoints: { writer: string; mirror: string; reconciler: string };
  readonly status?: ReconcilerStatus;
  /** From the writer when the reconciler does not answer. */
  readonly fenced?: boolean;
  /** The mirror's backlog and apply health (answered from its memory). */
  readonly backlog?: MirrorBacklog;
  readonly backlogError?: string;
}

/** The mirror's `GET /v1/backlog`, or why it did not answer. */
async function mirrorBacklog(
  url: string,
  token: string | undefined,
): Promise<Pick<RegionStatus, 'backlog' | 'backlogError'>> {
  try {
    return {
      backlog: await callService<MirrorBacklog>(`${url}/v1/backlog`, { token, timeoutMs: 5000 }),
    };
  } catch (error) {
    return { backlogError: (error as Error).message };
  }
}

/** One region's reconciler status and mirror backlog; the writer's fence when the reconciler is silent. */
export async function regionStatus(
  config: ConcordConfig,
  region: RegionId,
  token: string | undefined,
): Promise<RegionStatus> {
  const rc = config.byRegion[region]!;
  const endpoints = { writer: rc.writer.url, mirror: rc.mirror.url, reconciler: rc.reconciler.url };
  const backlog = mirrorBacklog(rc.mirror.url, token);
  try {
    const status = await callService<ReconcilerStatus>(`${rc.reconciler.url}/v1/status`, {
      token,
      timeoutMs: 5000,
    });
    return { region, reachable: true, endpoints, status, ...(await backlog) };
  } catch (error) {
    let fenced: boolean | undefined;
    try {
      fenced = (
        await callService<{ fenced: boolean }>(`${rc.writer.url}/v1/admin/fence`, {
          token,
          timeoutMs: 3000,
        })
      ).fenced;
    } catch {
      fenced = undefined;
    }
    return {
      region,
      reachable: false,
      error: (error as Error).message,
      endpoints,
      ...(fenced === undefined ? {} : { fenced }),
      ...(await backlog),
    };
  }
}
