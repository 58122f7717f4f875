/**
 * The one declaration of opsgraph's tables, streams and functions.
 *
 * Both the CDK stack (`infra/`) and the embedded local runtime (`local/`) read this file, so the two runtimes
 * cannot drift apart (one definition, two runtimes: docs/architecture.md). Names are logical; {@link physicalName} adds the stage prefix.
 */

/** A DynamoDB key attribute. */
export interface KeyAttribute {
  name: string;
  type: 'S' | 'N';
}

/** A DynamoDB table as both runtimes create it. */
export interface TableDefinition {
  /** Logical name; the physical name is `opsgraph-<stage>-<name>`. */
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Environment variable through which handlers receive the physical table name. */
  envVar: string;
  /** Attribute that DynamoDB expires items by, when the table uses TTL. */
  timeToLiveAttribute?: string;
  /** Global secondary indexes (all attributes projected). */
  indexes?: readonly IndexDefinition[];
  /** Items are put, never updated or deleted: no role gets UpdateItem or DeleteItem on it (the audit). */
  appendOnly?: boolean;
}

/** A global secondary index as both runtimes create it. */
export interface IndexDefinition {
  name: string;
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
}

/** A Kinesis data stream as both runtimes create it. */
export interface StreamDefinition {
  name: string;
  envVar: string;
  /** Shard count for the local runtime; production streams run in on-demand mode. */
  localShards: number;
}

/** Lambda's Kinesis event source mapping settings, honoured by AWS and by the local poller alike. */
export interface StreamSourceSettings {
  stream: StreamName;
  batchSize: number;
  /** Seconds Lambda waits to fill a batch (MaximumBatchingWindowInSeconds). */
  maxBatchingWindowSeconds: number;
  /** The local runtime's window, where a long one would only keep a developer waiting (few events, no S3 costs). */
  localMaxBatchingWindowSeconds?: number;
  /** Retries after the first attempt before the batch goes to the on-failure destination. */
  retryAttempts: number;
  bisectBatchOnError: boolean;
  /** Records older than this go straight to the on-failure destination. */
  maxRecordAgeSeconds: number;
  /** Poll from the oldest record when the mapping is new. */
  startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /**
   * `ENHANCED`: the mapping reads through its own enhanced fan-out consumer (2 MB/s per shard and push delivery of
   * its own, ~70 ms); `SHARED` (the default): it polls, about once a second when idle, and takes turns with every
   * other shared reader of the shard for its 5 reads/s and 2 MB/s. The local runtime plays both
   * (local/shardReadBudget.ts): the mappings that need freshness are the ones declared `ENHANCED`.
   */
  fanOut?: 'ENHANCED' | 'SHARED';
}

/** A scheduled invocation (EventBridge on AWS, a timer locally). */
export interface ScheduleSettings {
  /** Period in minutes between runs. */
  everyMinutes: number;
  /**
   * The local runtime's period, when it should tick faster than EventBridge can (rates are whole minutes there):
   * the journey timers fire within 2 s locally, within a minute on AWS.
   */
  localEverySeconds?: number;
}

/** One Lambda function: where its handler lives, what it reads from the environment and what triggers it. */
export interface FunctionDefinition {
  name: string;
  /** Path of the handler module from the repository root; it exports `handler`. */
  entry: string;
  /** Environment variables the handler reads; each must be supplied by both runtimes (checked by a test). */
  environment: readonly string[];
  memoryMb: number;
  timeoutSeconds: number;
  tables: readonly TableName[];
  /** Of `tables`, those the function only reads: its role gets no write action on them. */
  readOnlyTables?: readonly TableName[];
  /** Of `tables`, append-only ones this function may still delete from: erasure removes a person's audit entries. */
  erasesFrom?: readonly TableName[];
  /** Streams the function writes to. */
  writesStreams: readonly StreamName[];
  /** What it does with the event archive: add batch files, erase a person's rows, or query (and export) it. */
  archive?: 'write' | 'erase' | 'query';
  /** Streams that trigger the function through an event source mapping. */
  source?: StreamSourceSettings;
  schedule?: ScheduleSettings;
  /** Instances that may run at once (reserved concurrency); unset: no limit of its own. */
  reservedConcurrency?: number;
  /** Served over HTTP: the route(s) API Gateway (or the local server) sends here. */
  routes?: readonly string[];
}

export const TABLES = {
  profiles: { name: 'profiles', partitionKey: { name: 'userId', type: 'S' }, envVar: 'PROFILES_TABLE' },
  identities: { name: 'identities', partitionKey: { name: 'id', type: 'S' }, envVar: 'IDENTITIES_TABLE' },
  memberships: {
    name: 'memberships',
    partitionKey: { name: 'key', type: 'S' },
    sortKey: { name: 'userId', type: 'S' },
    envVar: 'MEMBERSHIPS_TABLE',
  },
  rules: {
    name: 'rules',
    partitionKey: { name: 'kind', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    envVar: 'RULES_TABLE',
  },
  audit: {
    name: 'audit',
    partitionKey: { name: 'subject', type: 'S' },
    sortKey: { name: 'at', type: 'S' },
    envVar: 'AUDIT_TABLE',
    appendOnly: true,
    timeToLiveAttribute: 'expiresAt',
  },
  campaigns: { name: 'campaigns', partitionKey: { name: 'id', type: 'S' }, envVar: 'CAMPAIGNS_TABLE' },
  /** API keys by hash, with their public ids indexed for admins (core/auth/keyManagement.ts). */
  apiKeys: {
    name: 'apikeys',
    partitionKey: { name: 'keyHash', type: 'S' },
    envVar: 'API_KEYS_TABLE',
    indexes: [{ name: 'byId', partitionKey: { name: 'id', type: 'S' } }],
  },
  /**
   * Each person's consent by purpose, kept beside the profile by the tagger, so the analytics and experiments
   * functions can leave out those who refuse `analytics` without reading whole profiles (core/store/consent.ts).
   */
  consent: { name: 'consent', partitionKey: { name: 'userId', type: 'S' }, envVar: 'CONSENT_TABLE' },
  /**
   * The addresses email and SMS deliver to, sealed, by identity key (`EMAIL#<digest>`): written by ingest before
   * it seals them into digests, read by the journey functions, erased with the person (core/store/contacts.ts).
   */
  contacts: { name: 'contacts', partitionKey: { name: 'id', type: 'S' }, envVar: 'CONTACTS_TABLE' },
  /** Registered GraphQL operations by SHA-256 of their text: the persisted-query list (gateway/persistedOperations.ts). */
  operations: { name: 'operations', partitionKey: { name: 'id', type: 'S' }, envVar: 'OPERATIONS_TABLE' },
  /** Requests per key per second and per UTC day, shared by every container (core/auth/usage.ts). */
  usage: {
    name: 'usage',
    partitionKey: { name: 'keyId', type: 'S' },
    sortKey: { name: 'slot', type: 'S' },
    envVar: 'USAGE_TABLE',
    timeToLiveAttribute: 'expiresAt',
  },
  jobs: { name: 'jobs', partitionKey: { name: 'job', type: 'S' }, envVar: 'JOBS_TABLE' },
  /** Every published journey document: `campaignVersions(campaignId, version)`; enrollments run on theirs. */
  campaignVersions: {
    name: 'campaign-versions',
    partitionKey: { name: 'campaignId', type: 'S' },
    sortKey: { name: 'version', type: 'N' },
    envVar: 'CAMPAIGN_VERSIONS_TABLE',
  },
  /** Journey enrollments by user (what an event steps), and by campaign (stats). */
  enrollments: {
    name: 'enrollments',
    partitionKey: { name: 'userId', type: 'S' },
    sortKey: { name: 'enrollmentId', type: 'S' },
    envVar: 'ENROLLMENTS_TABLE',
    timeToLiveAttribute: 'expiresAt',
    indexes: [{ name: 'byCampaign', partitionKey: { name: 'campaignId', type: 'S' }, sortKey: { name: 'enrollmentId', type: 'S' } }],
  },
  /** Every send attempt and action outcome, by user (frequency caps, `outbox(userId)`) and by campaign. */
  outbox: {
    name: 'outbox',
    partitionKey: { name: 'userId', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    envVar: 'OUTBOX_TABLE',
    timeToLiveAttribute: 'expiresAt',
    indexes: [{ name: 'byCampaign', partitionKey: { name: 'campaignId', type: 'S' }, sortKey: { name: 'id', type: 'S' } }],
  },
  /** Durable journey timers, partitioned by the minute they fall due. */
  timers: {
    name: 'timers',
    partitionKey: { name: 'minute', type: 'S' },
    sortKey: { name: 'id', type: 'S' },
    envVar: 'TIMERS_TABLE',
  },
  /** Standalone experiments, by key (core/experiments/definition.ts). */
  experiments: { name: 'experiments', partitionKey: { name: 'id', type: 'S' }, envVar: 'EXPERIMENTS_TABLE' },
  /** One item per exposed user of an experiment: variation, first exposure and metric values (core/experiments/units.ts). */
  experimentUnits: {
    name: 'experiment-units',
    partitionKey: { name: 'experimentId', type: 'S' },
    sortKey: { name: 'userId', type: 'S' },
    envVar: 'EXPERIMENT_UNITS_TABLE',
  },
  /** Real-time analytics: counters and sketches per (series, bucket), value indexes, first-seen users (core/analyticsEngine). */
  aggregates: {
    name: 'aggregates',
    partitionKey: { name: 'series', type: 'S' },
    sortKey: { name: 'bucket', type: 'N' },
    envVar: 'AGGREGATES_TABLE',
    // Event-id claims expire (core/analyticsEngine/store/eventClaims.ts); counters and sketches never carry it.
    timeToLiveAttribute: 'expiresAt',
  },
} as const satisfies Record<string, TableDefinition>;

export type TableName = keyof typeof TABLES;

export const STREAMS = {
  events: { name: 'events', envVar: 'EVENTS_STREAM', localShards: 2 },
  changes: { name: 'changes', envVar: 'CHANGES_STREAM', localShards: 1 },
} as const satisfies Record<string, StreamDefinition>;

export type StreamName = keyof typeof STREAMS;

/** Environment variables that are not table or stream names. */
export const ENV = {
  stage: 'OPSGRAPH_STAGE',
  /** Seconds a running handler caches tag rules and segments before reloading them. */
  rulesTtl: 'RULES_TTL_SECONDS',
  /** Powertools' service name: `opsgraph-<function>` (the `service` key of logs and dimension of metrics). */
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  /** Powertools' CloudWatch namespace for the EMF metrics every function emits: {@link METRICS_NAMESPACE}. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  /**
   * 'true': the Powertools Tracer records X-Ray subsegments (the CDK stack turns active tracing on). The local
   * runtime sets 'false': there is no X-Ray daemon on the machine.
   */
  traceEnabled: 'POWERTOOLS_TRACE_ENABLED',
  /** IANA zone of quiet hours for users without a valid `timezone` trait (stage data; `UTC` unless set). */
  defaultTimeZone: 'DEFAULT_TIME_ZONE',
  /**
   * The key journeys sign webhooks with. Each runtime supplies its own: a Secrets Manager secret on AWS (a
   * dynamic reference, resolved at deploy), a random key kept in the data dir locally.
   */
  webhookSecret: 'WEBHOOK_SIGNING_SECRET',
  /**
   * The key emails and phones are keyed-hashed with (HMAC-SHA256, core/identity/identities.ts): a Secrets Manager
   * secret on AWS, a random key kept in the data dir locally. Changing it orphans every stored email and phone link.
   */
  identitySecret: 'IDENTITY_HASH_SECRET',
  /** Trait keys classified as PII beyond core/privacy/pii.ts's defaults, comma-separated (stage data: `piiTraits`). */
  piiTraits: 'PII_TRAITS',
  /** OIDC token settings (core/auth/jwt.ts, JSON; empty: no tokens): the stage's `jwt`, Cognito's pool when it makes one. */
  jwtSettings: 'JWT_SETTINGS',
  /** Days stores keep outbox items, ended enrollments and audit entries (core/platform/retention.ts; stage data). */
  retentionDays: 'RETENTION_DAYS',
  /** Where dead letters are, for erasure: `s3://<bucket>` on AWS, `file://<data dir>/dead-letters` locally. */
  deadLetterStore: 'DEAD_LETTER_STORE',
  /** Where the event archive's files are: `s3://<bucket>` on AWS, `file://<data dir>/archive` locally. */
  archiveStore: 'ARCHIVE_STORE',
  /**
   * How archive queries run: `athena:<workgroup>:<database>.<table>` on AWS; `duckdb` locally, where the runtime
   * registers its embedded engine (core/analyticsEngine/archiveQueries.ts).
   */
  archiveEngine: 'ARCHIVE_ENGINE',
  /**
   * The stage's sender identities for email (SES) and sms (End User Messaging), JSON
   * (core/journeyEngine/messagingSettings.ts; stage data: `messaging`); empty: both write to the outbox only.
   */
  messaging: 'MESSAGING_SETTINGS',
  /** 'true': GraphQL answers introspection and suggests field names in errors (stage data: dev and local only). */
  graphqlIntrospection: 'GRAPHQL_INTROSPECTION',
} as const;

/** The CloudWatch namespace of opsgraph's own metrics; every function adds `service` and `stage` dimensions. */
export const METRICS_NAMESPACE = 'opsgraph';

/**
 * The Powertools service name of a function: `opsgraph-tagger`. Loggers, metrics and the tracer pass it
 * explicitly, because the local runtime runs every function in one process, where one environment variable
 * cannot name them all; on AWS it is also each function's `POWERTOOLS_SERVICE_NAME`.
 */
export function serviceNameOf(fn: Pick<FunctionDefinition, 'name'>): string {
  return `opsgraph-${fn.name}`;
}

/** What every function receives: the Powertools settings, and the stage's retention (any function may write audit). */
const EVERY_FUNCTION_ENV = [ENV.serviceName, ENV.metricsNamespace, ENV.traceEnabled, ENV.retentionDays] as const;

const tableEnv = (...names: TableName[]) => names.map((n) => TABLES[n].envVar);
const streamEnv = (...names: StreamName[]) => names.map((n) => STREAMS[n].envVar);

const PROFILE_ENGINE_TABLES = ['profiles', 'identities', 'memberships', 'rules', 'audit', 'consent'] as const satisfies TableName[];
/** What the journey engine reads and writes (core/journeyEngine/tables.ts). */
const JOURNEY_TABLES = ['profiles', 'identities', 'memberships', 'campaigns', 'campaignVersions', 'enrollments', 'outbox', 'timers', 'jobs', 'contacts'] as const satisfies TableName[];
const GRAPHQL_TABLES = [
  'profiles', 'identities', 'memberships', 'rules', 'audit', 'campaigns', 'campaignVersions', 'enrollments', 'outbox', 'apiKeys', 'jobs',
  'experiments', 'experimentUnits', 'aggregates', 'usage', 'operations', 'consent', 'contacts',
] as const satisfies TableName[];
/** What an erasure visits (core/privacyEngine/erasure.ts, ErasureTables). */
const PRIVACY_TABLES = [
  'profiles', 'identities', 'memberships', 'enrollments', 'outbox', 'experiments', 'experimentUnits', 'aggregates', 'audit', 'jobs', 'consent', 'contacts',
] as const satisfies TableName[];
// The identity key opens the kept addresses email and sms deliver to (core/privacy/contactSeal.ts).
const JOURNEY_ENV = [
  ENV.stage, ...EVERY_FUNCTION_ENV, ENV.rulesTtl, ENV.defaultTimeZone, ENV.webhookSecret, ENV.identitySecret, ENV.messaging,
  ...tableEnv(...JOURNEY_TABLES), ...streamEnv('events'),
];

export const FUNCTIONS = {
  ingest: {
    name: 'ingest',
    entry: 'lambdas/ingest/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ENV.identitySecret, ENV.jwtSettings, ...tableEnv('apiKeys', 'usage', 'contacts'), ...streamEnv('events')],
    memoryMb: 512,
    timeoutSeconds: 10,
    // contacts: the addresses of the emails and phones it seals (core/store/contacts.ts).
    tables: ['apiKeys', 'usage', 'contacts'],
    readOnlyTables: ['apiKeys'],
    writesStreams: ['events'],
    // Segment's HTTP tracking API beside the contract's own route (core/ingest/segment.ts).
    routes: ['POST /v1/events', 'POST /v1/batch', 'POST /v1/track', 'POST /v1/identify', 'POST /v1/alias', 'POST /v1/page', 'POST /v1/screen', 'POST /v1/group'],
  },
  graphql: {
    name: 'graphql',
    entry: 'lambdas/graphql/handler.ts',
    environment: [
      ENV.stage,
      ...EVERY_FUNCTION_ENV,
      ENV.defaultTimeZone,
      ENV.identitySecret,
      ENV.piiTraits,
      ENV.jwtSettings,
      ENV.graphqlIntrospection,
      ENV.archiveStore,
      ENV.archiveEngine,
      ...tableEnv(...GRAPHQL_TABLES),
      ...streamEnv('events'),
    ],
    memoryMb: 1024,
    timeoutSeconds: 15,
    tables: GRAPHQL_TABLES,
    // contacts: exportUser lists the addresses kept for the person.
    readOnlyTables: ['consent', 'contacts'],
    archive: 'query',
    // assignExperiment records its exposures as experiment_viewed events, as an SDK would.
    writesStreams: ['events'],
    routes: ['POST /graphql', 'GET /graphql'],
  },
  tagger: {
    name: 'tagger',
    entry: 'lambdas/tagger/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ENV.rulesTtl, ...tableEnv(...PROFILE_ENGINE_TABLES), ...streamEnv('changes')],
    memoryMb: 1024,
    timeoutSeconds: 60,
    tables: PROFILE_ENGINE_TABLES,
    writesStreams: ['changes'],
    source: {
      stream: 'events',
      batchSize: 500,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 3,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
      // The freshness path: its own 2 MB/s per shard and push delivery, whatever else reads the stream.
      fanOut: 'ENHANCED',
    },
  },
  sweeper: {
    name: 'sweeper',
    entry: 'lambdas/sweeper/handler.ts',
    environment: [
      ENV.stage,
      ...EVERY_FUNCTION_ENV,
      ENV.rulesTtl,
      ...tableEnv(...PROFILE_ENGINE_TABLES, 'jobs'),
      ...streamEnv('changes'),
    ],
    memoryMb: 1024,
    timeoutSeconds: 900,
    tables: [...PROFILE_ENGINE_TABLES, 'jobs'],
    writesStreams: ['changes'],
    // Each minute: the hourly sweep at the top of the hour, else a sweep only if rules or segments changed
    // (core/tagging/scheduledSweep.ts). One at a time: a long sweep holds later ticks back instead of racing them.
    schedule: { everyMinutes: 1 },
    reservedConcurrency: 1,
  },
  churnScorer: {
    name: 'churnScorer',
    entry: 'lambdas/churnScorer/handler.ts',
    // The rules table: a band change re-evaluates segments that test the churn_risk_high tag.
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ENV.rulesTtl, ...tableEnv('profiles', 'memberships', 'rules', 'jobs'), ...streamEnv('changes')],
    memoryMb: 1024,
    timeoutSeconds: 900,
    tables: ['profiles', 'memberships', 'rules', 'jobs'],
    writesStreams: ['changes'],
    source: {
      stream: 'changes',
      // A changes record holds the changes of the users of one lane in one publish (core/changes/record.ts): one
      // user at modest rates, about four at 500 events/s, so this is 20 to ~80 users per invocation. Small, so a
      // batch fills within the 1 s window at modest rates (churn risk current sooner), and the scorer's burst of
      // reads and writes per batch stays short enough not to queue the tagger's behind it (with a record per user,
      // npm run bench:freshness-ab -- --base cf50d1d --rate 60: p99 1.4-1.7x the base with 100 users, 1.09x with 40).
      batchSize: 20,
      maxBatchingWindowSeconds: 1,
      retryAttempts: 3,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
    },
    schedule: { everyMinutes: 1440 },
  },
  journeys: {
    name: 'journeys',
    entry: 'lambdas/journeys/handler.ts',
    environment: JOURNEY_ENV,
    memoryMb: 1024,
    timeoutSeconds: 60,
    tables: JOURNEY_TABLES,
    readOnlyTables: ['contacts'],
    writesStreams: ['events'],
    source: {
      stream: 'events',
      batchSize: 200,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 5,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
      // Enrollment within a second of the trigger: not behind the tagger, the aggregator and the archive's polls.
      fanOut: 'ENHANCED',
    },
  },
  journeySignals: {
    name: 'journeySignals',
    entry: 'lambdas/journeySignals/handler.ts',
    environment: JOURNEY_ENV,
    memoryMb: 1024,
    timeoutSeconds: 60,
    tables: JOURNEY_TABLES,
    readOnlyTables: ['contacts'],
    writesStreams: ['events'],
    source: {
      stream: 'changes',
      // Records of up to a lane's users each (core/changes/record.ts): about 25 to 100 users per invocation.
      batchSize: 25,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 5,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
      // Tag and segment triggers enroll within a second too: not a poll a second behind the churn scorer's.
      fanOut: 'ENHANCED',
    },
  },
  journeyTimers: {
    name: 'journeyTimers',
    entry: 'lambdas/journeyTimers/handler.ts',
    environment: JOURNEY_ENV,
    memoryMb: 1024,
    timeoutSeconds: 300,
    tables: JOURNEY_TABLES,
    readOnlyTables: ['contacts'],
    writesStreams: ['events'],
    // EventBridge's finest rate is a minute, so timers are at most a minute late on AWS by design. Locally four
    // times a second: a tick costs a few reads, and a timer's lateness is mostly the wait for the next tick.
    schedule: { everyMinutes: 1, localEverySeconds: 0.25 },
    // Ticks must not overlap (core/journeyEngine/fireTimers.ts).
    reservedConcurrency: 1,
  },
  privacy: {
    name: 'privacy',
    entry: 'lambdas/privacy/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ENV.deadLetterStore, ENV.archiveStore, ...tableEnv(...PRIVACY_TABLES)],
    memoryMb: 512,
    timeoutSeconds: 300,
    tables: PRIVACY_TABLES,
    readOnlyTables: ['experiments'],
    erasesFrom: ['audit'],
    archive: 'erase',
    writesStreams: [],
    // Erasure jobs (core/privacyEngine/erasure.ts) run within a minute of their request on AWS, a second locally.
    schedule: { everyMinutes: 1, localEverySeconds: 1 },
    reservedConcurrency: 1,
  },
  aggregator: {
    name: 'aggregator',
    entry: 'lambdas/aggregator/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ...tableEnv('aggregates', 'identities', 'consent')],
    memoryMb: 1024,
    timeoutSeconds: 60,
    tables: ['aggregates', 'identities', 'consent'],
    readOnlyTables: ['identities', 'consent'],
    writesStreams: [],
    source: {
      stream: 'events',
      batchSize: 1000,
      // Writes scale with the buckets a batch touches: fuller batches, fewer writes per event; dashboards read
      // within seconds.
      maxBatchingWindowSeconds: 1,
      retryAttempts: 10,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
    },
  },
  audiences: {
    name: 'audiences',
    entry: 'lambdas/audiences/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ...tableEnv('rules', 'memberships', 'aggregates')],
    memoryMb: 512,
    timeoutSeconds: 300,
    tables: ['rules', 'memberships', 'aggregates'],
    readOnlyTables: ['rules', 'memberships'],
    writesStreams: [],
    // Segment and churn-band sizes, hourly: the day's last count is its size in the history.
    schedule: { everyMinutes: 60 },
    reservedConcurrency: 1,
  },
  archiver: {
    name: 'archiver',
    entry: 'lambdas/archiver/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ENV.archiveStore, ...tableEnv('identities', 'consent')],
    memoryMb: 1024,
    timeoutSeconds: 120,
    tables: ['identities', 'consent'],
    readOnlyTables: ['identities', 'consent'],
    writesStreams: [],
    archive: 'write',
    source: {
      stream: 'events',
      // The archive is read in minutes (funnels, retention, history): big batches make few, large files, which
      // is what Athena scans fastest and what keeps S3 requests per event low.
      batchSize: 10_000,
      maxBatchingWindowSeconds: 60,
      localMaxBatchingWindowSeconds: 1,
      retryAttempts: 10,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
    },
  },
  experiments: {
    name: 'experiments',
    entry: 'lambdas/experiments/handler.ts',
    environment: [ENV.stage, ...EVERY_FUNCTION_ENV, ENV.rulesTtl, ...tableEnv('experiments', 'experimentUnits', 'identities', 'consent')],
    memoryMb: 512,
    timeoutSeconds: 60,
    tables: ['experiments', 'experimentUnits', 'identities', 'consent'],
    readOnlyTables: ['experiments', 'identities', 'consent'],
    writesStreams: [],
    source: {
      stream: 'events',
      batchSize: 500,
      // Analyses are read in minutes, not milliseconds: fuller batches, fewer unit writes.
      maxBatchingWindowSeconds: 2,
      retryAttempts: 10,
      bisectBatchOnError: true,
      maxRecordAgeSeconds: 86_400,
      startingPosition: 'TRIM_HORIZON',
    },
  },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionName = keyof typeof FUNCTIONS;

/** The physical name of a table or stream in a stage: `opsgraph-dev-profiles`. */
export function physicalName(stage: string, logical: string): string {
  return `opsgraph-${stage}-${logical}`;
}

/**
 * Every environment variable a function needs, with its value for a stage.
 * Both runtimes call this; the CDK stack substitutes its own table and stream names.
 *
 * @example
 * environmentFor(FUNCTIONS.tagger, 'local') // { OPSGRAPH_STAGE: 'local', PROFILES_TABLE: 'opsgraph-local-profiles', … }
 */
export function environmentFor(fn: FunctionDefinition, stage: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of fn.environment) {
    if (name === ENV.stage) env[name] = stage;
    else if (name === ENV.rulesTtl) env[name] = '30';
    else if (name === ENV.serviceName) env[name] = serviceNameOf(fn);
    else if (name === ENV.metricsNamespace) env[name] = METRICS_NAMESPACE;
    else if (name === ENV.traceEnabled) env[name] = 'true';
    else if (name === ENV.defaultTimeZone) env[name] = 'UTC';
    else if (name === ENV.webhookSecret || name === ENV.identitySecret) env[name] = ''; // the runtime's own (see ENV)
    // The stage's piiTraits, jwt and messaging (infra), or the shell's PII_TRAITS, JWT_SETTINGS and MESSAGING_SETTINGS locally.
    else if (name === ENV.piiTraits || name === ENV.jwtSettings || name === ENV.messaging) env[name] = '';
    else if (name === ENV.retentionDays) env[name] = ''; // the stage's retentionDays (infra); locally the defaults
    else if (name === ENV.deadLetterStore || name === ENV.archiveStore || name === ENV.archiveEngine) env[name] = ''; // the runtime's own (see ENV)
    else if (name === ENV.graphqlIntrospection) env[name] = 'false'; // the stage's `introspection` (infra); local: on
    else {
      const table = Object.values(TABLES).find((t) => t.envVar === name);
      const stream = Object.values(STREAMS).find((s) => s.envVar === name);
      const logical = table?.name ?? stream?.name;
      if (!logical) throw new Error(`no definition supplies environment variable ${name}`);
      env[name] = physicalName(stage, logical);
    }
  }
  return env;
}
