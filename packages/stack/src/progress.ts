import type { RegionId } from '@concord/config';

/** One step of progress while the stack starts or stops. */
export interface ProgressEvent {
  /** kafka, links, postgres, redis, keys, topics, migrations, stack. */
  readonly part: string;
  readonly region?: RegionId;
  readonly message: string;
  /** A frequent update that a terminal may overwrite in place (e.g. download counts). */
  readonly transient?: boolean;
}

/** Receives progress; the CLI prints it, tests usually ignore it. */
export type ProgressSink = (event: ProgressEvent) => void;
