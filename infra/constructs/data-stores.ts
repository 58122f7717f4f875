import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import {
  physicalName,
  STREAMS,
  TABLES,
  type IndexDefinition,
  type KeyAttribute,
  type StreamName,
  type TableName,
} from '../../core/platform/definitions.js';
import type { StageSettings } from '../stages.js';

/** Properties of {@link DataStores}. */
export interface DataStoresProps {
  /** The stage whose physical names, removal policy and deletion protection apply. */
  readonly stage: StageSettings;
}

/** The CDK removal policy for a stage's stateful resources. */
export function removalPolicy(stage: StageSettings): RemovalPolicy {
  return stage.removal === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

/** The stage's log retention, checked against the values CloudWatch Logs accepts. */
export function logRetention(stage: StageSettings): logs.RetentionDays {
  const days = stage.logRetentionDays;
  if (!(Object.values(logs.RetentionDays) as unknown[]).includes(days)) {
    throw new Error(`stage ${stage.name}: CloudWatch Logs cannot keep logs for ${days} days`);
  }
  return days as logs.RetentionDays;
}

const attribute = (key: KeyAttribute): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

/**
 * Every DynamoDB table in `TABLES` and every Kinesis stream in `STREAMS`, with the physical names
 * {@link physicalName} gives them, so the names the stack hands to functions are the names both runtimes expect.
 *
 * - tables: on-demand, point-in-time recovery, AWS-managed KMS encryption, TTL where defined;
 * - streams: on-demand capacity, encrypted with the `aws/kinesis` key, records kept `streamRetentionHours`.
 *
 * @example
 * const stores = new DataStores(stack, 'Data', { stage: STAGES.dev });
 * stores.tables.profiles.tableName // token resolving to 'opsgraph-dev-profiles'
 */
export class DataStores extends Construct {
  /** One table per `TABLES` entry, keyed like `TABLES`. */
  public readonly tables: Record<TableName, dynamodb.Table>;
  /** One stream per `STREAMS` entry, keyed like `STREAMS`. */
  public readonly streams: Record<StreamName, kinesis.Stream>;

  constructor(scope: Construct, id: string, props: DataStoresProps) {
    super(scope, id);
    const { stage } = props;
    const removal = removalPolicy(stage);

    const tables = {} as Record<TableName, dynamodb.Table>;
    for (const [key, def] of Object.entries(TABLES) as [TableName, (typeof TABLES)[TableName]][]) {
      const sortKey = 'sortKey' in def ? def.sortKey : undefined;
      const ttl = 'timeToLiveAttribute' in def ? (def.timeToLiveAttribute as string | undefined) : undefined;
      tables[key] = new dynamodb.Table(this, `Table-${def.name}`, {
        tableName: physicalName(stage.name, def.name),
        partitionKey: attribute(def.partitionKey),
        sortKey: sortKey ? attribute(sortKey) : undefined,
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        timeToLiveAttribute: ttl,
        deletionProtection: stage.deletionProtection,
        removalPolicy: removal,
      });
      const indexes: readonly IndexDefinition[] = 'indexes' in def ? def.indexes : [];
      for (const ix of indexes) {
        tables[key].addGlobalSecondaryIndex({
          indexName: ix.name,
          partitionKey: attribute(ix.partitionKey),
          sortKey: ix.sortKey ? attribute(ix.sortKey) : undefined,
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
    }
    this.tables = tables;

    const streams = {} as Record<StreamName, kinesis.Stream>;
    for (const [key, def] of Object.entries(STREAMS) as [StreamName, (typeof STREAMS)[StreamName]][]) {
      streams[key] = new kinesis.Stream(this, `Stream-${def.name}`, {
        streamName: physicalName(stage.name, def.name),
        streamMode: kinesis.StreamMode.ON_DEMAND,
        encryption: kinesis.StreamEncryption.MANAGED,
        retentionPeriod: Duration.hours(stage.streamRetentionHours),
        removalPolicy: removal,
      });
    }
    this.streams = streams;
  }

  /** The construct behind an environment variable of `TABLES` or `STREAMS`, if any. */
  resourceForEnvVar(envVar: string): dynamodb.Table | kinesis.Stream | undefined {
    const table = (Object.keys(TABLES) as TableName[]).find((k) => TABLES[k].envVar === envVar);
    if (table) return this.tables[table];
    const stream = (Object.keys(STREAMS) as StreamName[]).find((k) => STREAMS[k].envVar === envVar);
    return stream ? this.streams[stream] : undefined;
  }
}
