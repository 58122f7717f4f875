import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';
import { physicalName, STREAMS, type StreamName } from '../../core/platform/definitions.js';
import type { StageSettings } from '../stages.js';
import type { DataStores } from './data-stores.js';
import { removalPolicy } from './data-stores.js';
import type { DeadLetters } from './dead-letters.js';
import type { OpsgraphFunction } from './opsgraph-function.js';

/** Properties of {@link OpsgraphAlarms}. */
export interface OpsgraphAlarmsProps {
  readonly stage: StageSettings;
  readonly functions: readonly OpsgraphFunction[];
  readonly stores: DataStores;
  readonly deadLetters: DeadLetters;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * The stage's alarms and the SNS topic they notify:
 *
 * - the topic: encrypted with a customer-managed KMS key (CloudWatch cannot publish to a topic under the AWS-managed
 *   `aws/sns` key, so the key policy lets `cloudwatch.amazonaws.com` use it), SSL-only, and an email subscription
 *   when the stage names one;
 * - per function: errors and throttles (except for functions whose reserved concurrency is their design for "one
 *   at a time": the sweeper's minute ticks are throttled by intent while a long sweep runs);
 * - per stream-consuming function: Lambda's `IteratorAge` of its mapping, and the Kinesis
 *   `GetRecords.IteratorAgeMilliseconds` of its stream (how far behind the newest record it reads);
 * - dead letters: S3 `PutRequests` on the dead-letter prefix (each is one failed batch Lambda wrote).
 *
 * {@link OpsgraphAlarms.notifyFromEveryAlarm} then gives every alarm of the stack — these and any other construct's —
 * the topic as alarm and OK action.
 */
export class OpsgraphAlarms extends Construct {
  public readonly topic: sns.Topic;
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: OpsgraphAlarmsProps) {
    super(scope, id);
    const { stage, functions, stores, deadLetters } = props;
    const thresholds = stage.alarms;

    this.key = new kms.Key(this, 'TopicKey', {
      description: `opsgraph ${stage.name}: encrypts the alarm topic`,
      enableKeyRotation: true,
      removalPolicy: removalPolicy(stage),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', {
      topicName: physicalName(stage.name, 'alarms'),
      displayName: `opsgraph ${stage.name} alarms`,
      masterKey: this.key,
      enforceSSL: true,
    });
    if (thresholds.email) this.topic.addSubscription(new subscriptions.EmailSubscription(thresholds.email));

    for (const fn of functions) {
      const name = physicalName(stage.name, fn.definition.name);
      new cloudwatch.Alarm(fn, 'ErrorsAlarm', {
        alarmName: `${name}-errors`,
        alarmDescription: `${name} reported errors (failed invocations, or a thrown batch).`,
        metric: fn.function.metricErrors({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
        threshold: thresholds.functionErrors,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (fn.definition.reservedConcurrency !== 1) {
        new cloudwatch.Alarm(fn, 'ThrottlesAlarm', {
          alarmName: `${name}-throttles`,
          alarmDescription: `${name} was throttled: invocations refused for lack of concurrency.`,
          metric: fn.function.metricThrottles({ period: FIVE_MINUTES, statistic: cloudwatch.Stats.SUM }),
          threshold: thresholds.throttles,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
      const source = fn.definition.source;
      if (source) {
        new cloudwatch.Alarm(fn, 'IteratorAgeAlarm', {
          alarmName: `${name}-iterator-age`,
          alarmDescription: `${name} is behind on ${source.stream}: its oldest unprocessed record is older than ${thresholds.iteratorAgeSeconds} s.`,
          metric: fn.function.metric('IteratorAge', { period: Duration.minutes(1), statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: thresholds.iteratorAgeSeconds * 1000,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 5,
          datapointsToAlarm: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        });
      }
    }

    const consumed = new Set(functions.flatMap((f) => (f.definition.source ? [f.definition.source.stream] : [])));
    for (const key of consumed as Set<StreamName>) {
      const streamName = physicalName(stage.name, STREAMS[key].name);
      new cloudwatch.Alarm(this, `IteratorAge-${STREAMS[key].name}`, {
        alarmName: `${streamName}-getrecords-iterator-age`,
        alarmDescription: `Readers of ${streamName} are behind: GetRecords returns records older than ${thresholds.iteratorAgeSeconds} s.`,
        metric: stores.streams[key].metricGetRecordsIteratorAgeMilliseconds({
          period: Duration.minutes(1),
          statistic: cloudwatch.Stats.MAXIMUM,
        }),
        threshold: thresholds.iteratorAgeSeconds * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 5,
        datapointsToAlarm: 3,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    }

    new cloudwatch.Alarm(this, 'DeadLettersAlarm', {
      alarmName: physicalName(stage.name, 'dead-letters'),
      alarmDescription:
        'A stream-consuming function gave up on records and Lambda wrote them to the dead-letter bucket: ' +
        'inspect with `npm run dlq -- list --stage <stage>`, fix the cause, then replay.',
      metric: deadLetters.metricWritten({ period: FIVE_MINUTES }),
      threshold: thresholds.deadLetters,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Adds the topic as alarm and OK action of every CloudWatch alarm under `scope` that has none yet. */
  notifyFromEveryAlarm(scope: IConstruct): void {
    const action = new cloudwatchActions.SnsAction(this.topic);
    for (const c of scope.node.findAll()) {
      if (c instanceof cloudwatch.Alarm) {
        c.addAlarmAction(action);
        c.addOkAction(action);
      }
    }
  }
}
