import { Aws, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARCHIVE_BUCKET_OUTPUT, ARCHIVE_PREFIX } from '../../core/analytics/archive/files.js';
import { ARCHIVE_COLUMNS } from '../../core/analytics/archive/record.js';
import { physicalName } from '../../core/platform/definitions.js';
import type { StageSettings } from '../stages.js';
import { privateBucketProps } from './data-stores.js';

/** Where Athena writes query results, below the archive bucket (expired after a day: results are read at once). */
const RESULTS_PREFIX = 'athena-results/';
/** The Glue table's name; the database is per stage. */
const TABLE = 'events';
/** Most bytes one query may scan (a year of a busy shop's events is far less): a runaway query's cost bound. */
const BYTES_SCANNED_CUTOFF = 100 * 1024 ** 3;

/** Properties of {@link EventArchive}. */
export interface EventArchiveProps {
  readonly stage: StageSettings;
}

/**
 * The stage's event archive (docs/architecture.md, "Analytics"): the bucket the archiver function writes to
 * (`events/dt=YYYY-MM-DD/<batch>.parquet`, core/analytics/archive/files.ts), a Glue table over it with
 * partition projection on `dt` (no crawler, no MSCK REPAIR: a new day is queryable at once), and an Athena
 * workgroup (engine v3) whose results are encrypted and expire.
 *
 * The table's columns are `ARCHIVE_COLUMNS`, the same list the local DuckDB view reads, so the SQL that runs
 * locally runs here.
 *
 * @example
 * const archive = new EventArchive(stack, 'Archive', { stage: STAGES.dev });
 * archive.grantQuery(role);
 */
export class EventArchive extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly database: string;
  public readonly workgroup: athena.CfnWorkGroup;

  constructor(scope: Construct, id: string, props: EventArchiveProps) {
    super(scope, id);
    const { stage } = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...privateBucketProps(stage),
      lifecycleRules: [
        { id: 'expire-archive', enabled: true, prefix: ARCHIVE_PREFIX, expiration: Duration.days(stage.archiveRetentionDays) },
        { id: 'expire-query-results', enabled: true, prefix: RESULTS_PREFIX, expiration: Duration.days(1) },
        { id: 'abort-uploads', enabled: true, abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'No server access log bucket: objects here are written only by the archiver function, rewritten only by ' +
        'erasure (itself audited) and read through Athena, whose queries CloudTrail records; a log bucket would ' +
        'itself need a log bucket (S1 again).',
    });

    new CfnOutput(scope, ARCHIVE_BUCKET_OUTPUT, {
      description: `opsgraph ${stage.name}: the event archive's bucket (events/dt=YYYY-MM-DD/*.parquet)`,
      value: this.bucket.bucketName,
      exportName: physicalName(stage.name, 'archive-bucket'),
    });

    this.database = physicalName(stage.name, 'archive').replace(/-/g, '_');
    const db = new glue.CfnDatabase(this, 'Database', {
      catalogId: Aws.ACCOUNT_ID,
      databaseInput: { name: this.database, description: `opsgraph ${stage.name}: the event archive` },
    });
    const location = `s3://${this.bucket.bucketName}/${ARCHIVE_PREFIX}`;
    const table = new glue.CfnTable(this, 'Table', {
      catalogId: Aws.ACCOUNT_ID,
      databaseName: this.database,
      tableInput: {
        name: TABLE,
        description: 'One row per accepted event (core/analytics/archive/record.ts), partitioned by event date',
        tableType: 'EXTERNAL_TABLE',
        parameters: {
          classification: 'parquet',
          'projection.enabled': 'true',
          'projection.dt.type': 'date',
          'projection.dt.format': 'yyyy-MM-dd',
          'projection.dt.range': '2000-01-01,NOW',
          'projection.dt.interval': '1',
          'projection.dt.interval.unit': 'DAYS',
          'storage.location.template': `${location}dt=\${dt}/`,
        },
        partitionKeys: [{ name: 'dt', type: 'string' }],
        storageDescriptor: {
          location,
          inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
          outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
          serdeInfo: { serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
          columns: ARCHIVE_COLUMNS.filter((c) => c.name !== 'dt').map((c) => ({ name: c.name, type: c.athena })),
        },
      },
    });
    table.addDependency(db);

    this.workgroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: physicalName(stage.name, 'archive'),
      description: `opsgraph ${stage.name}: funnels, retention and history over the event archive`,
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${this.bucket.bucketName}/${RESULTS_PREFIX}`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }

  /** `ARCHIVE_STORE` of the functions that write, erase or export. */
  get storeUrl(): string {
    return `s3://${this.bucket.bucketName}`;
  }

  /** `ARCHIVE_ENGINE` of the functions that query (core/analyticsEngine/athenaEngine.ts). */
  get engineSpec(): string {
    return `athena:${this.workgroup.name}:${this.database}.${TABLE}`;
  }

  private objectsStatement(role: iam.IRole, actions: string[], prefix: string, why: string): void {
    const sameAccount = { StringEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: [this.bucket.arnForObjects(`${prefix}*`)], conditions: sameAccount }));
    const bucketId = Stack.of(this.bucket).resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${prefix}*]`, reason: why });
  }

  private listStatement(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:ListBucket', 's3:GetBucketLocation'],
        resources: [this.bucket.bucketArn],
        conditions: { StringEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID } },
      }),
    );
  }

  /** The archiver: it puts batch files under `events/`, nothing else. */
  grantWrite(role: iam.IRole): void {
    this.objectsStatement(role, ['s3:PutObject'], ARCHIVE_PREFIX, 'The archiver names one object per batch and event date (events/dt=<date>/<shard>-<sequence>), so it puts objects under the events/ prefix, not named keys.');
  }

  /** Erasure: it lists, reads, rewrites and deletes archive files that hold a person's rows. */
  grantErase(role: iam.IRole): void {
    this.listStatement(role);
    this.objectsStatement(role, ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], ARCHIVE_PREFIX, "Erasure visits every archive file under events/ to remove one person's rows, so it reads, rewrites and deletes objects under that prefix.");
  }

  /** The graphql function: Athena queries in this workgroup over this table, and reading the files for exports. */
  grantQuery(role: iam.IRole): void {
    const { account, region, partition } = Stack.of(this);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults', 'athena:StopQueryExecution'],
        resources: [`arn:${partition}:athena:${region}:${account}:workgroup/${this.workgroup.name}`],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetPartitions'],
        resources: [
          `arn:${partition}:glue:${region}:${account}:catalog`,
          `arn:${partition}:glue:${region}:${account}:database/${this.database}`,
          `arn:${partition}:glue:${region}:${account}:table/${this.database}/${TABLE}`,
        ],
      }),
    );
    this.listStatement(role);
    this.objectsStatement(role, ['s3:GetObject'], ARCHIVE_PREFIX, 'Athena reads every archive file of the partitions a query names, with the caller\'s rights; exports read a person\'s rows from them.');
    this.objectsStatement(
      role,
      ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
      RESULTS_PREFIX,
      'Athena writes each query\'s results under a key it names itself (athena-results/<query id>.csv), with the caller\'s rights, and the caller reads them back.',
    );
  }
}
