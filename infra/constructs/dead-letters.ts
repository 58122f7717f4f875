import { Aws, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DEAD_LETTER_BUCKET_OUTPUT, DEAD_LETTER_PREFIX } from '../../core/deadLetters/document.js';
import { physicalName } from '../../core/platform/definitions.js';
import type { StageSettings } from '../stages.js';
import { privateBucketProps } from './data-stores.js';

/** The id of the bucket's CloudWatch request-metrics filter on {@link DEAD_LETTER_PREFIX}. */
export const DEAD_LETTER_METRICS_FILTER = 'dead-letters';

/**
 * Lambda's S3 on-failure destination with the two rights Lambda's documentation lists for it — `s3:PutObject` on
 * the bucket's objects and `s3:ListBucket` on the bucket — limited to buckets of this account (the documented
 * guard against a deleted bucket name being recreated elsewhere). The base class grants `grantReadWrite`, whose
 * wildcard actions (`s3:GetObject*`, `s3:DeleteObject*`, `s3:List*`, …) a function that only writes dead letters
 * does not need.
 */
class PutOnlyS3OnFailureDestination extends eventSources.S3OnFailureDestination {
  constructor(private readonly target: s3.IBucket) {
    super(target);
  }

  override bind(_mapping: lambda.IEventSourceMapping, fn: lambda.IFunction): lambda.DlqDestinationConfig {
    const role = fn.role;
    if (!role) throw new Error(`${fn.node.path}: a function with an S3 on-failure destination needs a role`);
    const sameAccount = { StringEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID } };
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.target.arnForObjects('*')],
        conditions: sameAccount,
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.target.bucketArn], conditions: sameAccount }),
    );
    const bucketId = Stack.of(this.target).resolve((this.target.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason:
        'Lambda names each dead-letter object itself (aws/lambda/<mapping id>/<shard>/<date>/<time>-<uuid>), so the ' +
        'on-failure destination needs s3:PutObject on the objects of the one dead-letter bucket, not on named keys.',
    });
    return { destination: this.target.bucketArn };
  }
}

/** Properties of {@link DeadLetters}. */
export interface DeadLettersProps {
  readonly stage: StageSettings;
}

/**
 * The stage's dead-letter bucket: the on-failure destination of every Kinesis event source mapping. Lambda writes
 * one JSON document per failed batch, with the batch's metadata and, in `payload`, the whole invocation (the
 * records with their data, base64), under `aws/lambda/<mapping id>/<shard id>/YYYY/MM/DD/…`. `npm run dlq` lists,
 * shows and replays them, and moves replayed ones under `replayed/`.
 *
 * - kept `deadLetterRetentionDays` (a lifecycle rule on the whole bucket), SSE-S3 encrypted, SSL only, no public
 *   access, objects owned by the bucket owner;
 * - a CloudWatch request-metrics filter on the dead-letter prefix, so `PutRequests` counts dead letters as Lambda
 *   writes them (replays move objects under `replayed/`, outside the filter).
 *
 * @example
 * const deadLetters = new DeadLetters(stack, 'DeadLetters', { stage: STAGES.dev });
 * deadLetters.destination() // onFailure of a KinesisEventSource
 */
export class DeadLetters extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: DeadLettersProps) {
    super(scope, id);
    const { stage } = props;
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...privateBucketProps(stage),
      lifecycleRules: [
        {
          id: 'expire-dead-letters',
          enabled: true,
          expiration: Duration.days(stage.deadLetterRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      metrics: [{ id: DEAD_LETTER_METRICS_FILTER, prefix: DEAD_LETTER_PREFIX }],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'No server access log bucket: objects here are written only by the Lambda service (each document names the ' +
        'function and request that failed) and read or moved by operators through npm run dlq; a log bucket would ' +
        'itself need a log bucket (S1 again). Arrivals are counted by the request-metrics filter and alarmed on.',
    });

    new CfnOutput(scope, DEAD_LETTER_BUCKET_OUTPUT, {
      description: `opsgraph ${stage.name}: the bucket of dead letters (failed Kinesis batches with their records)`,
      value: this.bucket.bucketName,
      exportName: `${physicalName(stage.name, 'dead-letter-bucket')}`,
    });
  }

  /**
   * What erasure needs (the privacy function): to list every dead letter, read it, and rewrite or delete one that
   * holds a person's records. Nothing else may change dead letters.
   */
  grantErase(role: iam.IRole): void {
    const sameAccount = { StringEquals: { 's3:ResourceAccount': Aws.ACCOUNT_ID } };
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn], conditions: sameAccount }));
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [this.bucket.arnForObjects('*')],
        conditions: sameAccount,
      }),
    );
    const bucketId = Stack.of(this.bucket).resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason:
        'Erasure visits every dead letter (keys Lambda names itself, under aws/lambda/ and replayed/) to remove one ' +
        "person's records, so it reads, rewrites and deletes objects of the one dead-letter bucket, not named keys.",
    });
  }

  /** The on-failure destination for a Kinesis event source mapping, granting only what Lambda needs. */
  destination(): lambda.IEventSourceDlq {
    return new PutOnlyS3OnFailureDestination(this.bucket);
  }

  /** Dead letters written per period: S3 `PutRequests` of the dead-letter prefix's request-metrics filter. */
  metricWritten(props: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/S3',
      metricName: 'PutRequests',
      dimensionsMap: { BucketName: this.bucket.bucketName, FilterId: DEAD_LETTER_METRICS_FILTER },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(5),
      ...props,
    });
  }
}
