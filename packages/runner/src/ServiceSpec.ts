import type { RegionId } from '@concord/config';

export const SERVICE_KINDS = ['writer', 'mirror', 'reconciler'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** One supervised process: what to run and where it answers. */
export interface ServiceSpec {
  /** `<kind>-<region>`, unique among the specs. */
  readonly name: string;
  readonly kind: ServiceKind;
  readonly region: RegionId;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly port: number;
  /** Base URL; the supervisor polls `<url>/healthz`. */
  readonly url: string;
  readonly logFile: string;
}

/** The state of a supervised service as the supervisor sees it. */
export const ServiceState = {
  starting: 'starting',
  up: 'up',
  backoff: 'backoff',
  stopping: 'stopping',
  stopped: 'stopped',
} as const;
export type ServiceState = (typeof ServiceState)[keyof typeof ServiceState];

export interface ServiceStatus {
  readonly name: string;
  readonly kind: ServiceKind;
  readonly region: RegionId;
  readonly state: ServiceState;
  readonly pid: number | undefined;
  /** Kernel start time of `pid`, to recognise the process later (PID reuse). */
  readonly startTicks: number | undefined;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  readonly restarts: number;
  readonly lastExit:
    | { readonly code: number | null; readonly signal: string | null; readonly at: string }
    | undefined;
  readonly since: string;
}
