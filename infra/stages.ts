/**
 * Deployment stages as plain data (DESIGN.md: "stage settings kept as data, not branching code").
 *
 * The CDK app picks one with `-c stage=<name>`; {@link stageSettings} rejects anything else with a clear error.
 */

/** What happens to stateful resources (tables, streams, queues, log groups) when the stack deletes them. */
export type RemovalMode = 'destroy' | 'retain';

/** Everything that differs between stages. Nothing else in `infra/` branches on the stage name. */
export interface StageSettings {
  /** Stage name: part of the stack name (`opsgraph-<name>`) and of every physical name. */
  readonly name: string;
  /** Removal policy of tables, streams, queues and log groups. */
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
  /** Days the on-failure queues keep records that failed every retry (SQS allows 1–14). */
  readonly failedRecordRetentionDays: number;
  /**
   * Alarm when an on-failure queue holds at least this many records (records there need inspection and replay,
   * DESIGN.md principle 5). `undefined` creates no alarm.
   */
  readonly failedRecordAlarmThreshold?: number;
}

export const STAGES = {
  dev: {
    name: 'dev',
    removal: 'destroy',
    deletionProtection: false,
    logRetentionDays: 7,
    throttle: { rateLimit: 50, burstLimit: 100 },
    failedRecordRetentionDays: 4,
  },
  staging: {
    name: 'staging',
    removal: 'retain',
    deletionProtection: false,
    logRetentionDays: 30,
    throttle: { rateLimit: 200, burstLimit: 400 },
    failedRecordRetentionDays: 14,
    failedRecordAlarmThreshold: 1,
  },
  prod: {
    name: 'prod',
    removal: 'retain',
    deletionProtection: true,
    logRetentionDays: 365,
    throttle: { rateLimit: 2_000, burstLimit: 4_000 },
    failedRecordRetentionDays: 14,
    failedRecordAlarmThreshold: 1,
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
