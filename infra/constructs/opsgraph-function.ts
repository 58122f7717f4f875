import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AssetHashType, Duration, Stack, Validations, type ILocalBundling } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kinesis from 'aws-cdk-lib/aws-kinesis';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV, environmentFor, physicalName, TABLES, type FunctionDefinition, type TableDefinition } from '../../core/platform/definitions.js';
import { maxRecordAgeSeconds, type StageSettings } from '../stages.js';
import { logRetention, removalPolicy, type DataStores } from './data-stores.js';
import type { DeadLetters } from './dead-letters.js';
import type { EventArchive } from './event-archive.js';
import { bundleHandler } from '../bundling.js';

/** The repository root: entries in `FUNCTIONS` are relative to it. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The newest Node.js runtime this aws-cdk-lib offers (docs/architecture.md). */
export const NODE_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Item-level DynamoDB actions a function gets on each of its tables, and nothing account-wide. */
const TABLE_READ_ACTIONS = ['dynamodb:BatchGetItem', 'dynamodb:ConditionCheckItem', 'dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan'];
/** What a function may do to a table: read it, add to it (append-only tables), or everything. */
const TABLE_ACTIONS = {
  read: TABLE_READ_ACTIONS,
  append: [...TABLE_READ_ACTIONS, 'dynamodb:PutItem'],
  readWrite: [...TABLE_READ_ACTIONS, 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
};


/**
 * A function's code: its handler bundled by `bundleHandler` (infra/bundling.ts, as the benchmarks and the bundle
 * test build it) for Node 24 on arm64, with the chunks that load on first use, and the query planner's arm64
 * binary where the handler holds the planner. Built here, without Docker; the asset is keyed by its output.
 * (`NodejsFunction` writes one file only, so it cannot split a bundle into chunks.)
 */
function handlerCode(def: FunctionDefinition): lambda.Code {
  return lambda.Code.fromAsset(REPO_ROOT, {
    assetHashType: AssetHashType.OUTPUT,
    bundling: { image: NODE_RUNTIME.bundlingImage, local: new LocalHandlerBundling(def.entry) },
  });
}

/** CDK's local bundling of one handler. `entry` is a field so that CDK, which reuses a bundle for equal bundling settings, tells the functions apart. */
class LocalHandlerBundling implements ILocalBundling {
  constructor(readonly entry: string) {}

  tryBundle(outputDir: string): boolean {
    bundleHandler(path.join(REPO_ROOT, this.entry), outputDir, { target: 'node24', os: 'linux', arch: 'arm64' });
    return true;
  }
}

/** Properties of {@link OpsgraphFunction}. */
export interface OpsgraphFunctionProps {
  /** The function as `FUNCTIONS` declares it. */
  readonly definition: FunctionDefinition;
  readonly stage: StageSettings;
  /** Tables and streams the definition refers to. */
  readonly stores: DataStores;
  /** The on-failure destination of a `source` mapping (the stage's dead-letter bucket). */
  readonly deadLetters?: DeadLetters;
  /** `JWT_SETTINGS` for a function that takes tokens (infra/constructs/sign-in.ts); unset: none accepted. */
  readonly jwtSettings?: string;
  /** The stage's event archive, for a definition with `archive` access. */
  readonly archive?: EventArchive;
}

/**
 * One Lambda function from a `FUNCTIONS` entry, with everything the definition implies:
 *
 * - its handler bundled by esbuild (minified, source maps, ESM, chunks loaded on first use) on the newest
 *   Node.js runtime;
 * - the environment of `environmentFor(definition, stage)`, with table and stream names taken from the CDK
 *   resources themselves;
 * - its own role: read/write on its `tables`, write on its `writesStreams`, read on its `source` stream, logs to its
 *   own log group, and X-Ray — no AWS managed policies;
 * - active X-Ray tracing, which the Powertools Tracer records into (`core/platform/tracer.ts`), and JSON logs
 *   from the Powertools Logger;
 * - for a `source`: a Kinesis event source mapping with partial batch responses, the stage's dead-letter bucket
 *   as S3 on-failure destination, and a maximum record age below the stream's retention;
 * - for a `schedule`: an EventBridge rule.
 *
 * HTTP `routes` are wired by {@link OpsgraphHttpApi}, which needs the whole set of functions.
 *
 * @example
 * new OpsgraphFunction(stack, 'Fn-tagger', { definition: FUNCTIONS.tagger, stage: STAGES.dev, stores });
 */
export class OpsgraphFunction extends Construct {
  public readonly definition: FunctionDefinition;
  public readonly function: lambda.Function;
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: OpsgraphFunctionProps) {
    super(scope, id);
    const { definition: def, stage, stores } = props;
    this.definition = def;
    const functionName = physicalName(stage.name, def.name);
    const removal = removalPolicy(stage);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: logRetention(stage),
      removalPolicy: removal,
    });

    // An own role instead of the default one, which carries the AWS managed AWSLambdaBasicExecutionRole
    // (AwsSolutions-IAM4) with logs:* rights on every log group of the account.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `opsgraph ${stage.name}: execution role of the ${def.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new lambda.Function(this, 'Function', {
      functionName,
      description: `opsgraph ${stage.name}: ${def.name} (${def.entry})`,
      code: handlerCode(def),
      handler: 'index.handler',
      runtime: NODE_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: def.memoryMb,
      timeout: Duration.seconds(def.timeoutSeconds),
      reservedConcurrentExecutions: def.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      tracing: lambda.Tracing.ACTIVE,
      environment: this.environment(def, stage, stores, props.jwtSettings, props.deadLetters, props.archive),
    });

    // X-Ray's PutTraceSegments and PutTelemetryRecords have no resource-level permissions, so `tracing: ACTIVE`
    // must grant them on "*". Nothing else in this role uses a wildcard (test/infra/stack.test.ts checks).
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement that tracing: ACTIVE adds uses Resource "*": xray:PutTraceSegments and ' +
        'xray:PutTelemetryRecords do not support resource-level permissions. Table, stream, bucket and log ' +
        'grants are scoped to their ARNs.',
    });

    if (def.environment.includes(ENV.deadLetterStore)) props.deadLetters?.grantErase(this.role);
    if (def.environment.includes(ENV.messaging)) this.grantSending(stage);
    if (def.archive) {
      if (!props.archive) throw new Error(`${def.name}: archive access needs the stage's event archive`);
      if (def.archive === 'write') props.archive.grantWrite(this.role);
      else if (def.archive === 'erase') props.archive.grantErase(this.role);
      else props.archive.grantQuery(this.role);
    }
    for (const name of new Set(def.tables)) {
      const table: TableDefinition = TABLES[name];
      const access = def.readOnlyTables?.includes(name)
        ? 'read'
        : table.appendOnly && !def.erasesFrom?.includes(name)
          ? 'append'
          : 'readWrite';
      this.grantTable(stores.tables[name], table, access);
    }
    for (const name of new Set(def.writesStreams)) stores.streams[name].grantWrite(this.role);

    if (def.source) {
      if (!props.deadLetters) throw new Error(`${def.name}: a stream source needs the stage's dead-letter bucket`);
      this.addStreamSource(def, stage, stores.streams[def.source.stream], props.deadLetters);
    }
    if (def.schedule) {
      new events.Rule(this, 'Schedule', {
        ruleName: `${functionName}-schedule`,
        description: `opsgraph ${stage.name}: runs ${def.name} every ${def.schedule.everyMinutes} minutes`,
        schedule: events.Schedule.rate(Duration.minutes(def.schedule.everyMinutes)),
        targets: [new eventsTargets.LambdaFunction(this.function, { retryAttempts: 2 })],
      });
    }
  }

  /** `environmentFor`'s values, with the names of tables and streams replaced by the CDK resources' own, and the secrets'. */
  private environment(
    def: FunctionDefinition,
    stage: StageSettings,
    stores: DataStores,
    jwtSettings: string | undefined,
    deadLetters: DeadLetters | undefined,
    archive: EventArchive | undefined,
  ): Record<string, string> {
    const env = environmentFor(def, stage.name);
    for (const name of Object.keys(env)) {
      const resource = stores.resourceForEnvVar(name);
      if (!resource) continue;
      // The secret as a CloudFormation dynamic reference: resolved at deploy, never written into the template.
      if ('secretValue' in resource) env[name] = resource.secretValue.unsafeUnwrap();
      else env[name] = 'tableName' in resource ? resource.tableName : resource.streamName;
    }
    if (ENV.piiTraits in env) env[ENV.piiTraits] = (stage.piiTraits ?? []).join(',');
    if (ENV.jwtSettings in env) env[ENV.jwtSettings] = jwtSettings ?? '';
    if (ENV.messaging in env) env[ENV.messaging] = stage.messaging ? JSON.stringify(stage.messaging) : '';
    if (ENV.graphqlIntrospection in env) env[ENV.graphqlIntrospection] = String(stage.introspection);
    if (ENV.retentionDays in env) env[ENV.retentionDays] = JSON.stringify(stage.retentionDays);
    if (ENV.deadLetterStore in env && deadLetters) env[ENV.deadLetterStore] = `s3://${deadLetters.bucket.bucketName}`;
    if (ENV.archiveStore in env && archive) env[ENV.archiveStore] = archive.storeUrl;
    if (ENV.archiveEngine in env && archive) env[ENV.archiveEngine] = archive.engineSpec;
    // The Powertools settings (service name, metrics namespace, tracing) come with the definition's environment.
    // No NODE_OPTIONS: `--enable-source-maps` cost every cold start the parse of its source maps (infra/bundling.ts).
    return env;
  }

  /**
   * Sending from the stage's identities and no other: SES SendEmail on the verified identity (and its
   * configuration set), End User Messaging SendTextMessage on the origination identity (and its configuration set).
   * A stage without `messaging` grants nothing, and its email and sms write to the outbox only.
   */
  private grantSending(stage: StageSettings): void {
    const { region, account, partition } = Stack.of(this);
    const { email, sms } = stage.messaging ?? {};
    if (email) {
      const resources = [`arn:${partition}:ses:${region}:${account}:identity/${email.identity}`];
      if (email.configurationSet) resources.push(`arn:${partition}:ses:${region}:${account}:configuration-set/${email.configurationSet}`);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail'], resources }));
    }
    if (sms) {
      const resources = [sms.originationIdentityArn];
      if (sms.configurationSet) resources.push(`arn:${partition}:sms-voice:${region}:${account}:configuration-set/${sms.configurationSet}`);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sms-voice:SendTextMessage'], resources }));
    }
  }

  /** Data actions on the table and on each of its indexes by name (no `index/*` wildcard). */
  private grantTable(table: dynamodb.Table, def: TableDefinition, access: keyof typeof TABLE_ACTIONS): void {
    const indexes = (def.indexes ?? []).map((ix) => `${table.tableArn}/index/${ix.name}`);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: TABLE_ACTIONS[access], resources: [table.tableArn, ...indexes] }),
    );
  }

  private addStreamSource(def: FunctionDefinition, stage: StageSettings, stream: kinesis.Stream, deadLetters: DeadLetters): void {
    const source = def.source!;
    const props: eventSources.KinesisEventSourceProps = {
      startingPosition:
        source.startingPosition === 'LATEST' ? lambda.StartingPosition.LATEST : lambda.StartingPosition.TRIM_HORIZON,
      batchSize: source.batchSize,
      maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
      retryAttempts: source.retryAttempts,
      bisectBatchOnError: source.bisectBatchOnError,
      maxRecordAge: Duration.seconds(maxRecordAgeSeconds(source, stage)),
      reportBatchItemFailures: true,
      onFailure: deadLetters.destination(),
    };
    if (source.fanOut === 'ENHANCED') {
      // A dedicated enhanced fan-out consumer: this function's reads no longer share the shard's 5 reads/s.
      const consumer = new kinesis.StreamConsumer(this, 'StreamConsumer', {
        stream,
        streamConsumerName: `${physicalName(stage.name, def.name)}-consumer`,
      });
      this.function.addEventSource(new eventSources.KinesisConsumerEventSource(consumer, props));
    } else {
      this.function.addEventSource(new eventSources.KinesisEventSource(stream, props));
    }
  }
}
