/**
 * Deployment stages as plain data (docs/architecture.md, "Principles" 5: stage settings kept as data, not branching code).
 *
 * The CDK app picks one with `-c stage=<name>`; {@link stageSettings} rejects anything else with a clear error.
 */

import type { JwtSettings } from '../core/auth/jwt.js';
import type { Scope } from '../core/auth/scopes.js';
import type { MessagingSettings } from '../core/journeyEngine/messagingSettings.js';
import type { RetentionDays } from '../core/platform/retention.js';

/** What happens to stateful resources (tables, streams, buckets, keys, log groups) when the stack deletes them. */
export type RemovalMode = 'destroy' | 'retain';

/** Everything that differs between stages. Nothing else in `infra/` branches on the stage name. */
export interface StageSettings {
  /** Stage name: part of the stack name (`opsgraph-<name>`) and of every physical name. */
  readonly name: string;
  /** Removal policy of tables, streams, the dead-letter bucket, the alarm key and log groups. */
  readonly removal: RemovalMode;
  /** DynamoDB deletion protection on every table. */
  readonly deletionProtection: boolean;
  /**
   * Days CloudWatch keeps function and access logs. Must be one of the values CloudWatch Logs accepts
   * (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653).
   */
  readonly logRetentionDays: number;
  /** HTTP API default-route throttling: steady-state requests per second and burst capacity. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /**
   * Hours both Kinesis streams keep records (24–8760). A stream-consuming function's maximum record age is kept
   * below it ({@link maxRecordAgeSeconds}), so a record that waits too long goes to the dead letters (with its
   * data) before the stream trims it.
   */
  readonly streamRetentionHours: number;
  /**
   * Days the dead-letter bucket keeps failed batches (the records themselves: Lambda's S3 on-failure destination
   * writes the whole invocation). At least 14; replayed dead letters are kept as long under `replayed/`.
   */
  readonly deadLetterRetentionDays: number;
  /** CloudWatch alarms; every alarm of the stack notifies the stage's SNS topic. */
  readonly alarms: AlarmSettings;
  /**
   * Sender identities of journey email (a verified SES identity and its From address) and sms (an End User
   * Messaging origination identity), each with an optional configuration set. Unset (or a channel left out):
   * that channel writes to the outbox only. The journey functions may send from these and nothing else.
   *
   * @example
   * messaging: { email: { from: 'Shop <news@mail.example.com>', identity: 'mail.example.com' } }
   */
  readonly messaging?: MessagingSettings;
  /** Trait keys this stage classifies as PII beyond the defaults (core/privacy/pii.ts); default none. */
  readonly piiTraits?: readonly string[];
  /**
   * How frontends sign in with tokens (infra/constructs/sign-in.ts): a Cognito user pool this stack makes, whose
   * groups map to scopes, or an existing OIDC issuer (core/auth/jwt.ts's settings). Unset: API keys only.
   */
  /** Days stores keep outbox items, ended enrollments and audit entries before DynamoDB's TTL deletes them. */
  readonly retentionDays: RetentionDays;
  /** Days the event archive keeps each day's events (an S3 lifecycle rule; funnels and retention look this far back). */
  readonly archiveRetentionDays: number;
  /** Origins browsers may call the API from (`*`: any); empty: no CORS. Keys can narrow it (`allowedOrigins`). */
  readonly corsOrigins: readonly string[];
  /** GraphQL introspection and field suggestions in errors: on only where developers explore the schema. */
  readonly introspection: boolean;
  readonly signIn?: { readonly cognito: { readonly groups: Readonly<Record<string, readonly Scope[]>> } } | JwtSettings;
}

/** The operator groups of the stages' Cognito pools and what each may do. */
const OPERATOR_GROUPS = {
  admins: ['admin'],
  operators: ['profiles:read', 'segments:read', 'rules:write', 'campaigns:write', 'analytics:read'],
  support: ['profiles:read', 'profiles:pii', 'segments:read', 'campaigns:read'],
  analysts: ['analytics:read', 'segments:read', 'campaigns:read'],
} as const satisfies Record<string, readonly Scope[]>;

/** Alarm thresholds of a stage, and who the alarm topic notifies. */
export interface AlarmSettings {
  /** An email address subscribed to the stage's alarm topic; unset: subscribe by hand (or another endpoint). */
  readonly email?: string;
  /** Alarm when a stream-consuming function (or its stream) falls this many seconds behind the newest record. */
  readonly iteratorAgeSeconds: number;
  /** Alarm when a function reports at least this many errors in 5 minutes. */
  readonly functionErrors: number;
  /** Alarm when a function is throttled at least this many times in 5 minutes. */
  readonly throttles: number;
  /** Alarm when at least this many dead letters are written in 5 minutes. */
  readonly deadLetters: number;
}

export const STAGES = {
  dev: {
    name: 'dev',
    introspection: true,
    retentionDays: { outbox: 30, enrollments: 30, audit: 90 },
    archiveRetentionDays: 90,
    corsOrigins: ['*'],
    removal: 'destroy',
    deletionProtection: false,
    logRetentionDays: 7,
    throttle: { rateLimit: 50, burstLimit: 100 },
    streamRetentionHours: 24,
    deadLetterRetentionDays: 14,
    alarms: { iteratorAgeSeconds: 900, functionErrors: 5, throttles: 5, deadLetters: 1 },
    signIn: { cognito: { groups: OPERATOR_GROUPS } },
  },
  staging: {
    name: 'staging',
    introspection: false,
    retentionDays: { outbox: 90, enrollments: 90, audit: 365 },
    archiveRetentionDays: 400,
    // Add the console's and the shops' origins here.
    corsOrigins: [],
    removal: 'retain',
    deletionProtection: false,
    logRetentionDays: 30,
    throttle: { rateLimit: 200, burstLimit: 400 },
    streamRetentionHours: 72,
    deadLetterRetentionDays: 14,
    alarms: { iteratorAgeSeconds: 300, functionErrors: 1, throttles: 1, deadLetters: 1 },
    signIn: { cognito: { groups: OPERATOR_GROUPS } },
  },
  prod: {
    name: 'prod',
    introspection: false,
    // Audit: seven years, the usual bound of record-keeping duties.
    retentionDays: { outbox: 400, enrollments: 400, audit: 2557 },
    // Three years of history: year-over-year cohorts and retention with a year to spare.
    archiveRetentionDays: 1096,
    // Add the console's and the shops' origins here.
    corsOrigins: [],
    removal: 'retain',
    deletionProtection: true,
    logRetentionDays: 365,
    throttle: { rateLimit: 2_000, burstLimit: 4_000 },
    streamRetentionHours: 168,
    deadLetterRetentionDays: 30,
    alarms: { iteratorAgeSeconds: 120, functionErrors: 1, throttles: 1, deadLetters: 1 },
    signIn: { cognito: { groups: OPERATOR_GROUPS } },
  },
} as const satisfies Record<string, StageSettings>;

export type StageName = keyof typeof STAGES;

/** The stage names, in declaration order. */
export const STAGE_NAMES = Object.keys(STAGES) as StageName[];

/**
 * The settings of a stage, or a clear error naming the stages that exist.
 *
 * @example
 * stageSettings(app.node.tryGetContext('stage')) // STAGES.dev for `-c stage=dev`
 */
export function stageSettings(name: unknown): StageSettings {
  const known = STAGE_NAMES.join(', ');
  if (name === undefined || name === null || name === '') {
    throw new Error(`no stage selected: pass -c stage=<name>, one of ${known} (for example: npx cdk synth -c stage=dev)`);
  }
  if (typeof name !== 'string' || !Object.hasOwn(STAGES, name)) {
    throw new Error(`unknown stage ${JSON.stringify(name)}: expected one of ${known}`);
  }
  return STAGES[name as StageName];
}

/** Seconds between the stream trimming a record and the mapping giving up on it: time to write the dead letter. */
export const RECORD_AGE_MARGIN_SECONDS = 3_600;

/** Lambda's limit on MaximumRecordAgeInSeconds (besides -1, "forever", which would let the stream trim records). */
const LAMBDA_MAX_RECORD_AGE_SECONDS = 604_800;

/**
 * The maximum record age of a stream mapping in a stage: the function's own (`StreamSourceSettings`), capped an
 * hour below the stage's stream retention. A record older than this goes to the on-failure destination, which on
 * AWS keeps the record's data; if the age were allowed to reach the retention, the stream could trim a record
 * the mapping had not given up on yet, and it would be lost without a dead letter.
 *
 * @example
 * maxRecordAgeSeconds(FUNCTIONS.tagger.source, STAGES.dev) // 82_800: 24 h retention less the margin
 */
export function maxRecordAgeSeconds(source: { maxRecordAgeSeconds: number }, stage: StageSettings): number {
  const cap = Math.min(stage.streamRetentionHours * 3_600 - RECORD_AGE_MARGIN_SECONDS, LAMBDA_MAX_RECORD_AGE_SECONDS);
  return Math.min(source.maxRecordAgeSeconds, cap);
}

/**
 * Checks what every stage must hold: stream retention within what Kinesis accepts (24 h–365 d), dead letters kept
 * at least 14 days. The stack calls it, so a bad stage fails the synth with a clear message.
 */
export function checkStage(stage: StageSettings): void {
  const problems: string[] = [];
  if (!Number.isInteger(stage.streamRetentionHours) || stage.streamRetentionHours < 24 || stage.streamRetentionHours > 8_760) {
    problems.push(`streamRetentionHours ${stage.streamRetentionHours} is outside 24–8760`);
  }
  if (!Number.isInteger(stage.archiveRetentionDays) || stage.archiveRetentionDays < 1) {
    problems.push(`archiveRetentionDays ${stage.archiveRetentionDays} must be a whole number of days, at least 1`);
  }
  if (!Number.isInteger(stage.deadLetterRetentionDays) || stage.deadLetterRetentionDays < 14) {
    problems.push(`deadLetterRetentionDays ${stage.deadLetterRetentionDays} is below 14`);
  }
  if (problems.length) throw new Error(`stage ${stage.name}: ${problems.join('; ')}`);
}
