/** A signed event as the writer returns it (envelope v1, docs/semantics.md). */
export interface Envelope {
  readonly v: 1;
  readonly id: string;
  readonly stream: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly origin: string;
  readonly hlc: { readonly wall: number; readonly logical: number };
  readonly parents: readonly string[];
  readonly causedBy?: string;
  readonly idempotencyKey?: string;
  readonly meta: Record<string, unknown>;
  readonly sig: string;
}

export interface AppendInput {
  readonly type: string;
  readonly data: Record<string, unknown>;
  /** Generated (a UUID) when not given, and the same on every retry and failover. */
  readonly idempotencyKey?: string;
  readonly expectedHeads?: readonly string[];
  readonly causedBy?: string;
}

export interface AppendResult {
  readonly event: Envelope;
  /** True when the key was already used with this payload (the earlier event). */
  readonly duplicate: boolean;
  /** The session token after this write (also kept by the client). */
  readonly session: string;
  /** The region that accepted the write. */
  readonly region: string;
}

export interface BatchItem extends AppendInput {
  readonly stream: string;
}

export interface BatchItemResult {
  readonly status: number;
  readonly event?: Envelope;
  readonly duplicate?: boolean;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export interface BatchResult {
  /** One per item, in order; after retries, the last answer of each item. */
  readonly results: readonly BatchItemResult[];
  readonly region: string;
}

export interface StreamView {
  readonly stream: string;
  readonly state: unknown;
  readonly heads: readonly string[];
  readonly version: number;
  readonly openConflicts: readonly {
    readonly id: string;
    readonly heads: readonly string[];
    readonly policy: string;
    readonly contestedFields: readonly string[];
    readonly detectedAt: string;
  }[];
  readonly pending: number;
  /** The region that answered. */
  readonly region: string;
}

/** What `readMany` answers: the known streams' views and the missing streams, in request order. */
export interface StreamsRead {
  readonly streams: readonly Omit<StreamView, 'region'>[];
  /** Asked streams without an applied event in the answering region. */
  readonly missing: readonly string[];
  /** The region that answered. */
  readonly region: string;
}

export interface EventsPage {
  readonly stream: string;
  readonly version: number;
  readonly from: number;
  readonly events: readonly Envelope[];
  readonly next: number | null;
  readonly region: string;
}

/** What `onEvent` reports. */
export type ClientEvent =
  | {
      readonly type: 'failover';
      readonly from: string;
      readonly to: string;
      readonly reason: string;
      readonly downMs?: number;
      readonly at: number;
    }
  | {
      readonly type: 'retry';
      readonly region: string;
      readonly op: string;
      readonly code: string;
      readonly attempt: number;
      readonly at: number;
    }
  | {
      /** `from` had not answered within `hedgeAfterMs`: `to` was asked too. */
      readonly type: 'hedge';
      readonly from: string;
      readonly to: string;
      readonly op: string;
      readonly at: number;
    };
