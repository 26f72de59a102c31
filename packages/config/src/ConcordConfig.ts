/** A region id: `^[a-z][a-z0-9-]{0,31}$`. */
export type RegionId = string;

export type ReplicationMode = 'direct' | 'mm2';
export type ServerMode = 'auto' | 'external' | 'private';
export type KafkaSecurityProtocol = 'plaintext' | 'sasl_ssl';

/**
 * A value that must never reach a log or a printout: `JSON.stringify`, pino and
 * `util.inspect` see `[redacted]`; only `reveal()` gives the value.
 */
export interface Secret {
  reveal(): string;
}

/** How a client connects to a Kafka cluster: encryption, server verification, authentication. */
export interface KafkaSecurity {
  readonly protocol: KafkaSecurityProtocol;
  /** PEM file of the CAs to trust (`sasl_ssl`); undefined: Node's built-in CAs. */
  readonly caFile: string | undefined;
  /** SCRAM-SHA-512 credentials (`sasl_ssl` only). */
  readonly sasl:
    | {
        readonly mechanism: 'scram-sha-512';
        readonly username: string;
        /** From CONCORD_…_SASL_PASSWORD; `passwordFile` wins when both are set. */
        readonly password: Secret | undefined;
        readonly passwordFile: string | undefined;
      }
    | undefined;
}

export interface RegionConfig {
  readonly id: RegionId;
  /** Position in `regions`; fixes the region's ports in the layout. */
  readonly index: number;
  readonly kafka: {
    /** Bootstrap brokers for clients inside the region. */
    readonly brokers: readonly string[];
    /** True when the local stack runs this region's broker (no CONCORD_<R>_KAFKA_BROKERS). */
    readonly managed: boolean;
    readonly port: number;
    readonly controllerPort: number;
    /** Broker listener port dedicated to each reader region (the link proxy's upstream). */
    readonly peerPorts: Readonly<Record<RegionId, number>>;
    /**
     * How clients of other regions connect to this region's Kafka (CONCORD_KAFKA_SECURITY and
     * friends, overridden per region). Clients inside the region always use plaintext.
     */
    readonly security: KafkaSecurity;
  };
  readonly postgres: {
    readonly url: string;
    readonly database: string;
  };
  readonly redis: {
    readonly url: string;
    readonly keyPrefix: string;
    /** Port of the region's private redis-server when Redis runs in private mode. */
    readonly privatePort: number;
  };
  readonly writer: { readonly port: number; readonly url: string };
  readonly reconciler: { readonly port: number; readonly url: string };
  readonly mirror: { readonly port: number; readonly url: string };
}

/** The WAN link carrying traffic between region `to`'s clients and region `from`'s broker. */
export interface LinkConfig {
  /** The region whose broker is reached (the origin of the events flowing on the link). */
  readonly from: RegionId;
  /** The region whose clients connect (the reader). */
  readonly to: RegionId;
  /** Port the link proxy listens on; advertised by `from`'s broker on the listener for `to`. */
  readonly proxyPort: number;
  /** The broker listener the proxy forwards to. */
  readonly upstreamPort: number;
}

export interface ConcordConfig {
  readonly namespace: string;
  readonly regions: readonly RegionId[];
  /** The region served by this process, if any. */
  readonly region: RegionId | undefined;
  readonly portBase: number;
  readonly workspaceRoot: string;
  readonly stateDir: string;
  readonly cacheDir: string;
  readonly replication: { readonly mode: ReplicationMode };
  /** What a new local stack runs its servers as (docs/containers.md). */
  readonly stackProvider: 'processes' | 'containers';
  readonly kafka: {
    readonly version: string;
    readonly heapMb: number;
    readonly partitions: number;
    readonly requestTimeoutMs: number;
    /** The global default of connections to other regions' Kafka (see RegionConfig.kafka.security). */
    readonly security: KafkaSecurity;
  };
  /** Local MirrorMaker 2 processes (`concord stack up --mm2`). */
  readonly mm2: { readonly heapMb: number };
  readonly postgres: {
    readonly adminUrl: string;
    readonly mode: ServerMode;
    readonly privatePort: number;
  };
  readonly redis: { readonly url: string; readonly mode: ServerMode };
  readonly byRegion: Readonly<Record<RegionId, RegionConfig>>;
  readonly links: readonly LinkConfig[];
  readonly linkControlPort: number;
  /** Reader-specific broker routes set by CONCORD_<READER>_FROM_<ORIGIN>_KAFKA_BROKERS. */
  readonly kafkaRoutes: Readonly<Record<string, readonly string[]>>;
  readonly auth: {
    readonly apiTokens: readonly string[];
    readonly adminToken: string | undefined;
    readonly insecure: boolean;
  };
  readonly keys: { readonly dir: string };
  readonly limits: {
    readonly maxEventBytes: number;
    readonly maxInflightAppends: number;
    readonly maxBatchItems: number;
    readonly hlcMaxDriftMs: number;
    readonly parkedAlertSeconds: number;
  };
  readonly reconciler: {
    readonly ownerFailoverMs: number;
    readonly antiEntropyIntervalMs: number;
    readonly pollMs: number;
    readonly splitBrain: {
      readonly conflictsPerMinute: number;
      readonly conflictSpikeFactor: number;
      readonly conflictSpikeFloor: number;
      readonly divergentStreams: number;
      readonly stalledMs: number;
    };
  };
  /** Address the services listen on. */
  readonly bindHost: string;
  /** Wall-clock shift for fault injection (0 in normal operation). */
  readonly clock: { readonly offsetMs: number };
  readonly tracing: {
    readonly exporter: 'none' | 'otlp' | 'console';
    readonly otlpEndpoint: string | undefined;
  };
  readonly log: {
    readonly level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  };
}
