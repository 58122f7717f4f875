/**
 * The CDK stack of every stage: key resources and settings, least-privilege grants, and cdk-nag.
 *
 * Each stage is synthesized once (with esbuild bundling, as `cdk synth` does) and its template reused.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { App, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import {
  ENV,
  FUNCTIONS,
  physicalName,
  STREAMS,
  TABLES,
  type FunctionDefinition,
  type TableDefinition,
  type TableName,
} from '../../core/platform/definitions.js';
import { ConsoleSite } from '../../infra/constructs/console-site.js';
import { createOpsgraphApp, OpsgraphStack, readCdkJson } from '../../infra/stack.js';
import { maxRecordAgeSeconds, STAGE_NAMES, STAGES, stageSettings, type StageSettings } from '../../infra/stages.js';
import { DEAD_LETTER_BUCKET_OUTPUT, DEAD_LETTER_PREFIX } from '../../core/deadLetters/document.js';
import { ARCHIVE_COLUMNS } from '../../core/analytics/archive/record.js';

type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
type Resources = Record<string, Resource>;

interface Synthesized {
  stage: StageSettings;
  app: App;
  template: Template;
  resources: Resources;
}

const outdirs: string[] = [];
const synthesized = new Map<string, Synthesized>();

function tempOutdir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'opsgraph-cdk-'));
  outdirs.push(dir);
  return dir;
}

/** Synthesizes a stage exactly as `cdk synth -c stage=<name>` would (cdk.json context, cdk-nag, bundling). */
function synthesize(stageName: string): Synthesized {
  const { app, stack } = createOpsgraphApp(stageName, { context: readCdkJson().context, outdir: tempOutdir() });
  // Throws "Validation failed" when cdk-nag reports an unacknowledged error.
  const assembly = app.synth();
  const json = assembly.getStackByName(stack.stackName).template as { Resources: Resources };
  return { stage: stageSettings(stageName), app, template: Template.fromJSON(json), resources: json.Resources };
}

before(() => {
  for (const name of STAGE_NAMES) synthesized.set(name, synthesize(name));
});

after(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const get = (stage: string): Synthesized => synthesized.get(stage)!;

/** The dead letters' bucket: the one counted by the dead-letter metrics filter (the other is the event archive). */
function deadLetterBucketId(resources: Resources): string {
  const ids = Object.entries(resources)
    .filter(([, r]) => r.Type === 'AWS::S3::Bucket' && JSON.stringify(r.Properties?.MetricsConfigurations ?? []).includes('"dead-letters"'))
    .map(([id]) => id);
  assert.equal(ids.length, 1, 'one dead-letter bucket');
  return ids[0]!;
}

/** Logical id of the one resource of a type whose property `key` equals `value`. */
function logicalIdWhere(resources: Resources, type: string, key: string, value: unknown): string {
  const ids = Object.entries(resources)
    .filter(([, r]) => r.Type === type && r.Properties?.[key] === value)
    .map(([id]) => id);
  assert.equal(ids.length, 1, `expected one ${type} with ${key}=${String(value)}, found ${ids.length}`);
  return ids[0]!;
}

const refTo = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const asArray = <T>(x: T | T[]): T[] => (Array.isArray(x) ? x : [x]);

/** The policy statements attached to a role. */
function statementsOfRole(resources: Resources, roleId: string): Array<Record<string, any>> {
  return Object.values(resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && asArray(r.Properties!.Roles).some((x: any) => x.Ref === roleId))
    .flatMap((r) => r.Properties!.PolicyDocument.Statement as Array<Record<string, any>>);
}

/** [actions, resource] of each of `statements`' resources that names `bucketId`, sorted: one bucket's rights. */
function rightsOn(statements: Array<Record<string, any>>, bucketId: string): Array<[string[], string]> {
  return statements
    .flatMap((st) => asArray(st.Resource).map((r: unknown) => [asArray(st.Action) as string[], JSON.stringify(r)] as [string[], string]))
    .filter(([, r]) => r.includes(`"${bucketId}"`))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}

/** ARNs (as template values) that a role may use any of `actions` on. */
function resourcesGranted(resources: Resources, roleId: string, actions: string[]): string[] {
  return statementsOfRole(resources, roleId)
    .filter((s) => asArray(s.Action).some((a: string) => actions.includes(a)))
    .flatMap((s) => asArray(s.Resource))
    .map((r) => JSON.stringify(r))
    .sort();
}

for (const stageName of STAGE_NAMES) {
  describe(`stage ${stageName}`, () => {
    test('stack name and one Kinesis stream per STREAMS entry: on demand, KMS encrypted', () => {
      const { template, resources } = get(stageName);
      assert.ok(synthesized.get(stageName));
      template.resourceCountIs('AWS::Kinesis::Stream', Object.keys(STREAMS).length);
      for (const def of Object.values(STREAMS)) {
        const id = logicalIdWhere(resources, 'AWS::Kinesis::Stream', 'Name', physicalName(stageName, def.name));
        assert.deepEqual(resources[id]!.Properties!.StreamModeDetails, { StreamMode: 'ON_DEMAND' });
        assert.equal(resources[id]!.Properties!.StreamEncryption.EncryptionType, 'KMS');
        assert.ok(resources[id]!.Properties!.StreamEncryption.KeyId, 'stream encryption names a key');
      }
    });

    test("every function gets the stage's retention; outbox, enrollments and audit expire by TTL", () => {
      const { resources, stage } = get(stageName);
      for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
        const id = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        assert.equal(resources[id]!.Properties!.Environment.Variables.RETENTION_DAYS, JSON.stringify(stage.retentionDays), def.name);
      }
      for (const t of ['outbox', 'enrollments', 'audit'] as const) assert.equal((TABLES[t] as TableDefinition).timeToLiveAttribute, 'expiresAt');
    });

    test('CORS on the HTTP API as the stage says', () => {
      const { resources, stage } = get(stageName);
      const api = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api')!;
      const cors = api.Properties!.CorsConfiguration;
      // The stage's origins (any, in dev), and the console's site, which calls the API from its CloudFront domain.
      const distributionId = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::CloudFront::Distribution')!;
      const consoleOrigin = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] };
      assert.deepEqual(cors.AllowOrigins, stage.corsOrigins.includes('*') ? ['*'] : [...stage.corsOrigins, consoleOrigin]);
      assert.ok(cors.AllowHeaders.includes('authorization') && cors.ExposeHeaders.includes('retry-after'));
    });

    test('sign-in: an operators pool (MFA, no self sign-up) with the mapped groups, whose issuer the token-taking functions get', () => {
      const { template, resources, stage } = get(stageName);
      const groups = Object.keys((stage.signIn as { cognito: { groups: Record<string, unknown> } }).cognito.groups);
      template.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'ON',
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      });
      assert.deepEqual(
        Object.values(resources).filter((r) => r.Type === 'AWS::Cognito::UserPoolGroup').map((r) => r.Properties!.GroupName).sort(),
        [...groups].sort(),
      );
      for (const fn of ['ingest', 'graphql']) {
        const id = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, fn));
        const settings = JSON.stringify(resources[id]!.Properties!.Environment.Variables.JWT_SETTINGS);
        assert.match(settings, /cognito-idp/, `${fn} takes the pool's tokens`);
        assert.match(settings, /cognito:groups/);
      }
    });

    test('one DynamoDB table per TABLES entry: on demand, PITR, SSE, keys, TTL, removal per stage', () => {
      const { template, stage } = get(stageName);
      template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(TABLES).length);
      const policy = stage.removal === 'destroy' ? 'Delete' : 'Retain';
      for (const def of Object.values(TABLES)) {
        const sortKey = 'sortKey' in def ? def.sortKey : undefined;
        const ttl = 'timeToLiveAttribute' in def ? (def.timeToLiveAttribute as string) : undefined;
        template.hasResource('AWS::DynamoDB::Table', {
          DeletionPolicy: policy,
          UpdateReplacePolicy: policy,
          Properties: Match.objectLike({
            TableName: physicalName(stageName, def.name),
            BillingMode: 'PAY_PER_REQUEST',
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
            SSESpecification: Match.objectLike({ SSEEnabled: true }),
            KeySchema: [
              { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
              ...(sortKey ? [{ AttributeName: sortKey.name, KeyType: 'RANGE' }] : []),
            ],
            DeletionProtectionEnabled: stage.deletionProtection,
            TimeToLiveSpecification: ttl ? { AttributeName: ttl, Enabled: true } : Match.absent(),
          }),
        });
      }
    });

    test('dev destroys, staging and prod retain, prod protects tables from deletion', () => {
      const { resources } = get(stageName);
      const tables = Object.values(resources).filter((r) => r.Type === 'AWS::DynamoDB::Table');
      const expected = { dev: 'Delete', staging: 'Retain', prod: 'Retain' }[stageName];
      for (const t of tables) assert.equal(t.DeletionPolicy, expected);
      for (const t of tables) assert.equal(t.Properties!.DeletionProtectionEnabled === true, stageName === 'prod');
    });

    test('one Lambda per FUNCTIONS entry with its settings and environment from the CDK resources', () => {
      const { template, resources } = get(stageName);
      // Besides FUNCTIONS, only CDK's BucketDeployment handler, which uploads the console at deploy time.
      template.resourceCountIs('AWS::Lambda::Function', Object.keys(FUNCTIONS).length + 1);
      for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
        const id = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        const props = resources[id]!.Properties!;
        assert.equal(props.Runtime, 'nodejs24.x');
        assert.equal(props.Handler, 'index.handler');
        assert.equal(props.MemorySize, def.memoryMb);
        assert.equal(props.Timeout, def.timeoutSeconds);
        assert.deepEqual(props.TracingConfig, { Mode: 'Active' });
        const vars = props.Environment.Variables as Record<string, unknown>;
        for (const name of def.environment) assert.ok(name in vars, `${def.name}: ${name} missing`);
        assert.equal(vars.OPSGRAPH_STAGE, stageName);
        // Table and stream names are references to the resources that carry the same physical name.
        for (const t of Object.values(TABLES)) {
          if (!def.environment.includes(t.envVar)) continue;
          const tableId = logicalIdWhere(resources, 'AWS::DynamoDB::Table', 'TableName', physicalName(stageName, t.name));
          assert.deepEqual(vars[t.envVar], refTo(tableId), `${def.name}: ${t.envVar}`);
        }
        for (const s of Object.values(STREAMS)) {
          if (!def.environment.includes(s.envVar)) continue;
          const streamId = logicalIdWhere(resources, 'AWS::Kinesis::Stream', 'Name', physicalName(stageName, s.name));
          assert.deepEqual(vars[s.envVar], refTo(streamId), `${def.name}: ${s.envVar}`);
        }
        const role = resources[props.Role['Fn::GetAtt'][0]]!;
        assert.equal(role.Properties!.ManagedPolicyArns, undefined, `${def.name}: no AWS managed policies`);
      }
    });

    test('the graphql function ships the arm64 query planner beside its bundle, and only it does', () => {
      const { app, resources } = get(stageName);
      const asset = (fn: string) => {
        const id = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, fn));
        return path.join(app.outdir, `asset.${(resources[id]!.Properties!.Code.S3Key as string).replace(/\.zip$/, '')}`);
      };
      // Beside the output that loads it, in the asset's folder or its chunks.
      const binaries = (fn: string) => readdirSync(asset(fn), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.node')).map((f) => path.basename(f));
      assert.deepEqual(binaries('graphql'), ['hive_router_query_planner.linux-arm64-gnu.node']);
      assert.deepEqual(binaries('ingest'), []);
      assert.ok(readdirSync(asset('graphql')).includes('index.mjs'), 'the handler, as index.handler names it');
    });

    test('least privilege: each role reaches exactly its own tables and streams', () => {
      const { resources } = get(stageName);
      for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
        const fnId = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        const roleId = resources[fnId]!.Properties!.Role['Fn::GetAtt'][0] as string;
        const tableId = (n: string) => logicalIdWhere(resources, 'AWS::DynamoDB::Table', 'TableName', physicalName(stageName, n));
        // A table's grant names the table and each of its indexes by name (no `index/*`).
        const tableArns = (t: TableName) => [
          JSON.stringify(arnOf(tableId(TABLES[t].name))),
          ...((TABLES[t] as TableDefinition).indexes ?? []).map((ix) =>
            JSON.stringify({ 'Fn::Join': ['', [arnOf(tableId(TABLES[t].name)), `/index/${ix.name}`]] }),
          ),
        ];
        const streamArn = (n: string) =>
          JSON.stringify(arnOf(logicalIdWhere(resources, 'AWS::Kinesis::Stream', 'Name', physicalName(stageName, n))));
        const tables = [...new Set(def.tables)];
        const written = tables.filter((t) => !(def as FunctionDefinition).readOnlyTables?.includes(t));
        assert.deepEqual(resourcesGranted(resources, roleId, ['dynamodb:GetItem', 'dynamodb:Query']), tables.flatMap(tableArns).sort(), `${def.name}: tables read`);
        assert.deepEqual(resourcesGranted(resources, roleId, ['dynamodb:PutItem']), written.flatMap(tableArns).sort(), `${def.name}: tables written`);
        // Read-only tables get no write, append-only ones (the audit) no update or delete.
        assert.deepEqual(
          resourcesGranted(resources, roleId, ['dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']),
          written
            .filter((t) => !(TABLES[t] as TableDefinition).appendOnly || (def as FunctionDefinition).erasesFrom?.includes(t))
            .flatMap(tableArns)
            .sort(),
          `${def.name}: tables changed`,
        );
        assert.deepEqual(
          resourcesGranted(resources, roleId, ['kinesis:PutRecord', 'kinesis:PutRecords']),
          [...new Set(def.writesStreams)].map((s) => streamArn(STREAMS[s].name)).sort(),
          `${def.name}: streams written`,
        );
        assert.deepEqual(
          resourcesGranted(resources, roleId, ['kinesis:GetRecords', 'kinesis:GetShardIterator']),
          def.source ? [streamArn(STREAMS[def.source.stream].name)] : [],
          `${def.name}: stream read`,
        );
        for (const s of statementsOfRole(resources, roleId)) {
          for (const action of asArray(s.Action) as string[]) assert.ok(!action.includes('*'), `${def.name}: ${action}`);
          if (asArray(s.Resource).includes('*')) {
            assert.ok(
              (asArray(s.Action) as string[]).every((a) => a.startsWith('xray:')),
              `${def.name}: only X-Ray may use Resource "*": ${JSON.stringify(s)}`,
            );
          }
        }
      }
    });

    test('stream sources: event source mapping with partial batch failures and the S3 dead-letter bucket as on-failure destination', () => {
      const { template, resources, stage } = get(stageName);
      const sourced = (Object.values(FUNCTIONS) as FunctionDefinition[]).filter((f) => f.source);
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', sourced.length);
      template.resourceCountIs('AWS::SQS::Queue', 0);
      const bucketId = deadLetterBucketId(resources);
      for (const def of sourced) {
        const src = def.source!;
        const fnId = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        const streamId = logicalIdWhere(resources, 'AWS::Kinesis::Stream', 'Name', physicalName(stageName, STREAMS[src.stream].name));
        // An enhanced fan-out reader maps from its own consumer of the stream; a shared one from the stream.
        let eventSourceArn: unknown = arnOf(streamId);
        if (src.fanOut === 'ENHANCED') {
          const consumerId = logicalIdWhere(resources, 'AWS::Kinesis::StreamConsumer', 'ConsumerName', `${physicalName(stageName, def.name)}-consumer`);
          assert.deepEqual(resources[consumerId]!.Properties!.StreamARN, arnOf(streamId), `${def.name}: consumer of ${src.stream}`);
          eventSourceArn = { 'Fn::GetAtt': [consumerId, 'ConsumerARN'] };
        }
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          FunctionName: refTo(fnId),
          EventSourceArn: eventSourceArn,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          BisectBatchOnFunctionError: src.bisectBatchOnError,
          MaximumRetryAttempts: src.retryAttempts,
          MaximumRecordAgeInSeconds: maxRecordAgeSeconds(src, stage),
          BatchSize: src.batchSize,
          MaximumBatchingWindowInSeconds: src.maxBatchingWindowSeconds,
          StartingPosition: src.startingPosition,
          DestinationConfig: { OnFailure: { Destination: arnOf(bucketId) } },
        });
        // What Lambda's documentation lists for an S3 destination, and no more: put objects, list the bucket.
        const roleId = resources[fnId]!.Properties!.Role['Fn::GetAtt'][0] as string;
        const s3Statements = statementsOfRole(resources, roleId).filter((st) =>
          (asArray(st.Action) as string[]).some((a) => a.startsWith('s3:')),
        );
        assert.deepEqual(
          rightsOn(s3Statements, bucketId),
          [
            [['s3:ListBucket'], JSON.stringify(arnOf(bucketId))],
            [['s3:PutObject'], JSON.stringify({ 'Fn::Join': ['', [arnOf(bucketId), '/*']] })],
          ],
          `${def.name}: S3 rights`,
        );
        for (const st of s3Statements) assert.ok(st.Condition?.StringEquals?.['s3:ResourceAccount'], 'own-account buckets only');
      }
      // No function without a source can write dead letters, but the one that erases people from them.
      for (const def of (Object.values(FUNCTIONS) as FunctionDefinition[]).filter((f) => !f.source)) {
        const fnId = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        const roleId = resources[fnId]!.Properties!.Role['Fn::GetAtt'][0] as string;
        const erases = def.environment.includes(ENV.deadLetterStore);
        assert.equal(erases, def.name === 'privacy', `${def.name}: only erasure reaches into the dead letters`);
        assert.deepEqual(
          resourcesGranted(resources, roleId, ['s3:PutObject', 's3:DeleteObject']).filter((r) => r.includes(bucketId)),
          erases ? [JSON.stringify({ 'Fn::Join': ['', [arnOf(bucketId), '/*']] })] : [],
          `${def.name}: bucket rights`,
        );
      }
    });

    test('event archive: archiver puts files, erasure rewrites them, graphql queries them through Athena; nobody else', () => {
      const { resources, stage } = get(stageName);
      const bucketId = Object.entries(resources).find(([id, r]) => r.Type === 'AWS::S3::Bucket' && id.startsWith('ArchiveBucket'))![0];
      const bucket = resources[bucketId]!;
      const rules = bucket.Properties!.LifecycleConfiguration.Rules as Array<Record<string, any>>;
      assert.equal(rules.find((r) => r.Prefix === 'events/')!.ExpirationInDays, stage.archiveRetentionDays, 'archive retention is stage data');
      const table = Object.values(resources).find((r) => r.Type === 'AWS::Glue::Table')!.Properties!.TableInput;
      assert.deepEqual(table.PartitionKeys, [{ Name: 'dt', Type: 'string' }]);
      assert.equal(table.Parameters['projection.enabled'], 'true');
      assert.deepEqual(
        table.StorageDescriptor.Columns.map((c: any) => `${c.Name}:${c.Type}`),
        ARCHIVE_COLUMNS.filter((c) => c.name !== 'dt').map((c) => `${c.name}:${c.athena}`),
        'the Glue table has the columns the local engine reads',
      );
      assert.equal(table.StorageDescriptor.SerdeInfo.SerializationLibrary, 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', 'the files the archiver writes are Parquet');
      assert.equal(table.StorageDescriptor.InputFormat, 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat');
      const workgroup = Object.values(resources).find((r) => r.Type === 'AWS::Athena::WorkGroup')!.Properties!;
      assert.equal(workgroup.WorkGroupConfiguration.EnforceWorkGroupConfiguration, true);
      assert.equal(workgroup.WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration.EncryptionOption, 'SSE_S3');
      const objects = (prefix: string) => JSON.stringify({ 'Fn::Join': ['', [arnOf(bucketId), `/${prefix}*`]] });
      const expected: Record<string, Array<[string[], string]>> = {
        archiver: [[['s3:PutObject'], objects('events/')]],
        privacy: [
          [['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], objects('events/')],
          [['s3:ListBucket', 's3:GetBucketLocation'], JSON.stringify(arnOf(bucketId))],
        ],
        graphql: [
          [['s3:GetObject'], objects('events/')],
          [['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], objects('athena-results/')],
          [['s3:ListBucket', 's3:GetBucketLocation'], JSON.stringify(arnOf(bucketId))],
        ],
      };
      for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
        const fnId = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        const roleId = resources[fnId]!.Properties!.Role['Fn::GetAtt'][0] as string;
        const statements = statementsOfRole(resources, roleId);
        const sorted = (rights: Array<[string[], string]>) => rights.map(([a, r]) => JSON.stringify([[...a].sort(), r])).sort();
        assert.deepEqual(sorted(rightsOn(statements, bucketId)), sorted(expected[def.name] ?? []), `${def.name}: archive rights`);
        const athena = statements.filter((st) => asArray(st.Action).some((a: string) => a.startsWith('athena:')));
        assert.equal(athena.length, def.name === 'graphql' ? 1 : 0, `${def.name}: Athena`);
      }
    });

    test('dead-letter bucket: one per stage, kept at least 14 days (stage data), encrypted, SSL only, private, counted', () => {
      const { template, resources, stage } = get(stageName);
      template.resourceCountIs('AWS::S3::Bucket', 4); // the dead letters, the event archive, the console and its access logs
      const bucket = resources[deadLetterBucketId(resources)]!;
      const rules = bucket.Properties!.LifecycleConfiguration.Rules as Array<Record<string, any>>;
      const expiry = rules.filter((r) => r.Status === 'Enabled' && r.ExpirationInDays !== undefined && r.Prefix === undefined);
      assert.equal(expiry.length, 1, 'one bucket-wide expiration rule');
      assert.equal(expiry[0]!.ExpirationInDays, stage.deadLetterRetentionDays);
      assert.ok(stage.deadLetterRetentionDays >= 14, 'dead letters are kept at least 14 days');
      assert.deepEqual(bucket.Properties!.BucketEncryption.ServerSideEncryptionConfiguration, [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ]);
      assert.deepEqual(bucket.Properties!.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      assert.deepEqual(bucket.Properties!.MetricsConfigurations, [{ Id: 'dead-letters', Prefix: DEAD_LETTER_PREFIX }]);
      assert.equal(bucket.DeletionPolicy, stage.removal === 'destroy' ? 'Delete' : 'Retain');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: refTo(deadLetterBucketId(resources)),
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.hasOutput(DEAD_LETTER_BUCKET_OUTPUT, { Value: refTo(deadLetterBucketId(resources)) });
    });

    test('stream retention is stage data (7 days or more in prod) and above every mapping\'s maximum record age', () => {
      const { resources, stage } = get(stageName);
      const expected = { dev: 24, staging: 72, prod: 168 }[stageName];
      assert.equal(stage.streamRetentionHours, expected);
      for (const def of Object.values(STREAMS)) {
        const id = logicalIdWhere(resources, 'AWS::Kinesis::Stream', 'Name', physicalName(stageName, def.name));
        assert.equal(resources[id]!.Properties!.RetentionPeriodHours, stage.streamRetentionHours, def.name);
      }
      if (stageName === 'prod') assert.ok(stage.streamRetentionHours >= 168);
      for (const m of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::EventSourceMapping')) {
        const age = m.Properties!.MaximumRecordAgeInSeconds as number;
        assert.ok(age > 0 && age <= stage.streamRetentionHours * 3_600 - 3_600, `record age ${age} leaves the stream time to keep the record`);
      }
    });

    test('alarms: errors, throttles and iterator age per function, dead letters; every alarm notifies the stage topic', () => {
      const { template, resources, stage } = get(stageName);
      const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
      const topicId = logicalIdWhere(resources, 'AWS::SNS::Topic', 'TopicName', physicalName(stageName, 'alarms'));
      for (const alarm of alarms) {
        assert.deepEqual(alarm.Properties!.AlarmActions, [refTo(topicId)], `${alarm.Properties!.AlarmName}: alarm action`);
        assert.deepEqual(alarm.Properties!.OKActions, [refTo(topicId)], `${alarm.Properties!.AlarmName}: OK action`);
      }
      const byName = new Map(alarms.map((a) => [a.Properties!.AlarmName as string, a.Properties!]));
      const fnRef = (def: FunctionDefinition) =>
        refTo(logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name)));
      for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
        const name = physicalName(stageName, def.name);
        const errors = byName.get(`${name}-errors`);
        assert.ok(errors, `${name}: errors alarm`);
        assert.equal(errors.MetricName, 'Errors');
        assert.deepEqual(errors.Dimensions, [{ Name: 'FunctionName', Value: fnRef(def) }]);
        // Reserved concurrency 1 throttles by design (one sweep at a time); every other function alarms on it.
        assert.equal(byName.has(`${name}-throttles`), def.reservedConcurrency !== 1, `${name}: throttles alarm`);
        if (def.source) {
          const age = byName.get(`${name}-iterator-age`);
          assert.ok(age, `${name}: iterator-age alarm`);
          assert.equal(age.MetricName, 'IteratorAge');
          assert.equal(age.Threshold, stage.alarms.iteratorAgeSeconds * 1000);
          const stream = physicalName(stageName, STREAMS[def.source.stream].name);
          const streamAge = byName.get(`${stream}-getrecords-iterator-age`);
          assert.ok(streamAge, `${stream}: GetRecords.IteratorAgeMilliseconds alarm`);
          assert.equal(streamAge.MetricName, 'GetRecords.IteratorAgeMilliseconds');
        }
      }
      const dead = byName.get(physicalName(stageName, 'dead-letters'));
      assert.ok(dead, 'dead-letter alarm');
      assert.equal(dead.Namespace, 'AWS/S3');
      assert.equal(dead.MetricName, 'PutRequests');
      assert.deepEqual(dead.Dimensions, [
        { Name: 'BucketName', Value: refTo(deadLetterBucketId(resources)) },
        { Name: 'FilterId', Value: 'dead-letters' },
      ]);
      // The topic: KMS-encrypted with a key CloudWatch may use, SSL only.
      const topic = resources[topicId]!.Properties!;
      const keyId = topic.KmsMasterKeyId['Fn::GetAtt'][0] as string;
      assert.equal(resources[keyId]!.Type, 'AWS::KMS::Key');
      assert.equal(resources[keyId]!.Properties!.EnableKeyRotation, true);
      const keyStatements = resources[keyId]!.Properties!.KeyPolicy.Statement as Array<Record<string, any>>;
      assert.ok(
        keyStatements.some((st) => st.Principal?.Service === 'cloudwatch.amazonaws.com' && asArray(st.Action).includes('kms:GenerateDataKey*')),
        'CloudWatch may publish to the encrypted topic',
      );
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
      template.resourceCountIs('AWS::SNS::Subscription', stage.alarms.email ? 1 : 0);
    });

    test('schedules: an EventBridge rate rule targeting the function', () => {
      const { template, resources } = get(stageName);
      const scheduled = (Object.values(FUNCTIONS) as FunctionDefinition[]).filter((f) => f.schedule);
      template.resourceCountIs('AWS::Events::Rule', scheduled.length);
      for (const def of scheduled) {
        const fnId = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', physicalName(stageName, def.name));
        const minutes = def.schedule!.everyMinutes;
        const rate = minutes % 1440 === 0
          ? `rate(${minutes / 1440} day${minutes === 1440 ? '' : 's'})`
          : minutes % 60 === 0 ? `rate(${minutes / 60} hour${minutes === 60 ? '' : 's'})` : `rate(${minutes} minute${minutes === 1 ? '' : 's'})`;
        template.hasResourceProperties('AWS::Events::Rule', {
          ScheduleExpression: rate,
          Targets: [Match.objectLike({ Arn: arnOf(fnId) })],
        });
      }
    });

    test('reserved concurrency as the definitions declare it (the sweeper: one tick at a time)', () => {
      const { template } = get(stageName);
      assert.equal(FUNCTIONS.sweeper.reservedConcurrency, 1);
      for (const def of Object.values(FUNCTIONS) as FunctionDefinition[]) {
        template.hasResourceProperties('AWS::Lambda::Function', {
          FunctionName: physicalName(stageName, def.name),
          ReservedConcurrentExecutions: def.reservedConcurrency ?? Match.absent(),
        });
      }
    });

    test('HTTP API: one route per FUNCTIONS route to its function, access logs and throttling per stage', () => {
      const { template, resources, stage } = get(stageName);
      const expected = (Object.values(FUNCTIONS) as FunctionDefinition[]).flatMap((f) =>
        (f.routes ?? []).map((r) => [r, physicalName(stageName, f.name)] as const),
      );
      const routes = Object.values(resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
      const actual = routes.map((r) => {
        const integrationId = (r.Properties!.Target['Fn::Join'][1] as any[])[1].Ref as string;
        const uri = resources[integrationId]!.Properties!.IntegrationUri;
        const fn = Object.values(resources).find(
          (x) => x.Type === 'AWS::Lambda::Function' && JSON.stringify(arnOf(Object.keys(resources).find((k) => resources[k] === x)!)) === JSON.stringify(uri),
        );
        assert.equal(r.Properties!.AuthorizationType, 'NONE');
        return [r.Properties!.RouteKey as string, fn?.Properties!.FunctionName as string] as const;
      });
      assert.deepEqual([...actual].sort(), [...expected].sort());
      template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
      template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
        DefaultRouteSettings: {
          ThrottlingRateLimit: stage.throttle.rateLimit,
          ThrottlingBurstLimit: stage.throttle.burstLimit,
        },
      });
    });

    test('the ops console: a private bucket behind CloudFront with origin access control, strict headers, its config', () => {
      const { template, resources, app } = get(stageName);
      const of = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
      const [[distributionId, distribution]] = of('AWS::CloudFront::Distribution') as [[string, any]];
      const config = distribution.Properties.DistributionConfig;
      const [[oacId]] = of('AWS::CloudFront::OriginAccessControl');
      assert.equal(of('AWS::CloudFront::CloudFrontOriginAccessIdentity').length, 0, 'no legacy OAI');
      assert.deepEqual(config.Origins[0].OriginAccessControlId, { 'Fn::GetAtt': [oacId, 'Id'] });
      assert.equal(config.DefaultCacheBehavior.ViewerProtocolPolicy, 'redirect-to-https');
      assert.equal(config.DefaultRootObject, 'index.html');
      assert.ok(config.Logging?.Bucket, 'CloudFront logs');
      // The assets bucket: private, and readable by this distribution only (the CloudFront service, on its ARN).
      const assetsRef = config.Origins[0].DomainName['Fn::GetAtt'][0] as string;
      assert.deepEqual(resources[assetsRef]!.Properties!.PublicAccessBlockConfiguration, { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      const policy = of('AWS::S3::BucketPolicy').find(([, p]) => p.Properties!.Bucket.Ref === assetsRef)![1];
      const reads = (policy.Properties!.PolicyDocument.Statement as Array<Record<string, any>>).filter((st) => st.Effect === 'Allow');
      assert.equal(reads.length, 1);
      assert.deepEqual(reads[0]!.Principal, { Service: 'cloudfront.amazonaws.com' });
      assert.deepEqual(reads[0]!.Action, 's3:GetObject');
      assert.match(JSON.stringify(reads[0]!.Condition.StringEquals['AWS:SourceArn']), new RegExp(distributionId));
      // The same CSP as locally: scripts from the site only; API calls to the site and the region's API Gateway.
      const [[, headers]] = of('AWS::CloudFront::ResponseHeadersPolicy') as [[string, any]];
      const csp = JSON.stringify(headers.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy);
      assert.match(csp, /script-src 'self';/);
      assert.match(csp, /connect-src 'self' https:\/\/\*\.execute-api\./);
      // The upload carries the built files and config.json with the HTTP API's GraphQL URL.
      const [[, deployment]] = of('Custom::CDKBucketDeployment') as [[string, any]];
      assert.equal(deployment.Properties.SourceObjectKeys.length, 2);
      // config.json's one token is the HTTP API's endpoint (jsonData replaces the marker at deploy time).
      assert.match(JSON.stringify(deployment.Properties.SourceMarkers), /"Fn::GetAtt":\["HttpApi[0-9A-F]+","ApiEndpoint"\]/);
      const [marker] = Object.keys(deployment.Properties.SourceMarkers[1]) as [string];
      const configAsset = path.join(app.outdir, `asset.${(deployment.Properties.SourceObjectKeys[1] as string).replace(/\.zip$/, '')}`);
      assert.deepEqual(JSON.parse(readFileSync(path.join(configAsset, 'config.json'), 'utf8')), { graphqlUrl: `${marker}/graphql` });
      // Every path is refreshed on upload (app.js keeps its name; `/` is cached apart from /index.html), and
      // browsers revalidate every file while the edges keep them until the next upload.
      assert.equal(deployment.Properties.DistributionId.Ref, distributionId);
      assert.deepEqual(deployment.Properties.DistributionPaths, ['/*']);
      assert.deepEqual(deployment.Properties.SystemMetadata, { 'cache-control': 'public, max-age=0, s-maxage=86400' });
      // CloudFront's standard logs are delivered with ACLs: the log bucket keeps them, and is private too.
      const logsRef = (config.Logging.Bucket['Fn::GetAtt'] as string[])[0]!;
      assert.notEqual(logsRef, assetsRef);
      assert.deepEqual(resources[logsRef]!.Properties!.OwnershipControls, { Rules: [{ ObjectOwnership: 'ObjectWriter' }] });
      assert.deepEqual(resources[logsRef]!.Properties!.PublicAccessBlockConfiguration, resources[assetsRef]!.Properties!.PublicAccessBlockConfiguration);
      template.hasOutput('ConsoleUrl', {});
    });

    test('log groups keep logs as long as the stage says', () => {
      const { resources, stage } = get(stageName);
      const groups = Object.values(resources).filter((r) => r.Type === 'AWS::Logs::LogGroup');
      assert.equal(groups.length, Object.keys(FUNCTIONS).length + 2); // the functions', the API's access logs, the console upload's
      for (const g of groups) assert.equal(g.Properties!.RetentionInDays, stage.logRetentionDays);
    });

    test('cdk-nag AwsSolutions: zero unacknowledged errors; every acknowledgement is used and has a specific reason', (t) => {
      const { app } = get(stageName);
      const { report, acknowledgedFindings } = runNag(app);
      const errors = report.violations.filter((v) => v.severity === 'error');
      assert.deepEqual(
        errors.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
        [],
        'unacknowledged cdk-nag errors',
      );
      const warnings = report.violations.filter((v) => v.severity !== 'error');
      if (warnings.length > 0) t.diagnostic(`cdk-nag warnings: ${warnings.map((w) => w.ruleName).join(', ')}`);

      const acks = acknowledgements(app);
      assert.ok(acks.length > 0);
      for (const ack of acks) {
        assert.ok(ack.reason.length >= 60, `${ack.id} at ${ack.path}: reason too short: ${JSON.stringify(ack.reason)}`);
        assert.ok(/\s/.test(ack.reason) && !/^(n\/?a|todo|ok|fine|none)\b/i.test(ack.reason), `${ack.id}: generic reason`);
        const used = acknowledgedFindings.some((f) => f.ruleId === ack.id && (f.path + '/').startsWith(ack.path + '/'));
        assert.ok(used, `stale acknowledgement ${ack.id} at ${ack.path}: no finding matches it`);
      }
    });
  });
}

/** Findings of a fresh AwsSolutionsChecks run, plus which findings acknowledgements silenced. */
function runNag(scope: IConstruct) {
  const pack = new AwsSolutionsChecks();
  const acknowledgedFindings: Array<{ ruleId: string; path: string }> = [];
  // cdk-nag 3 consults acknowledgements in NagPack.isAcknowledged (private in its typings); record its answers.
  const packWithHook = pack as unknown as { isAcknowledged(resource: CfnResource, ruleId: string): boolean };
  const original = packWithHook.isAcknowledged.bind(pack);
  packWithHook.isAcknowledged = (resource, ruleId) => {
    const acknowledged = original(resource, ruleId);
    if (acknowledged) acknowledgedFindings.push({ ruleId, path: resource.node.path });
    return acknowledged;
  };
  return { report: pack.validateScope(scope), acknowledgedFindings };
}

/** Every `Validations.of(x).acknowledge(...)` in a construct tree. */
function acknowledgements(scope: IConstruct): Array<{ id: string; reason: string; path: string }> {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^annotation::/i, ''),
          reason,
          path: c.node.path,
        })),
      ),
  );
}

describe('the checks themselves', () => {
  test('cdk-nag reports an unacknowledged error, and synth fails on it', () => {
    const app = new App({ outdir: tempOutdir() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new Stack(app, 'nag-self-test');
    new sqs.Queue(stack, 'Plain', { encryption: sqs.QueueEncryption.UNENCRYPTED });
    const errors = runNag(app).report.violations.filter((v) => v.severity === 'error').map((v) => v.ruleName);
    assert.ok(errors.includes('AwsSolutions-SQS2'), `expected SQS2 among ${errors.join(', ')}`);
    assert.throws(() => app.synth(), /Validation failed/);
  });

  test('a stage that keeps dead letters under 14 days or streams under 24 hours fails the synth', () => {
    const app = new App({ context: readCdkJson().context, outdir: tempOutdir() });
    assert.throws(
      () => new OpsgraphStack(app, 'opsgraph-short', { stage: { ...STAGES.dev, name: 'short', deadLetterRetentionDays: 7 }, functions: [] }),
      /deadLetterRetentionDays 7 is below 14/,
    );
    assert.throws(
      () => new OpsgraphStack(app, 'opsgraph-short2', { stage: { ...STAGES.dev, name: 'short2', streamRetentionHours: 12 }, functions: [] }),
      /streamRetentionHours 12 is outside/,
    );
    assert.equal(maxRecordAgeSeconds({ maxRecordAgeSeconds: 86_400 }, STAGES.dev), 86_400 - 3_600);
    assert.equal(maxRecordAgeSeconds({ maxRecordAgeSeconds: 86_400 }, STAGES.prod), 86_400);
  });

  test('an unbuilt console is a clear error at synth, naming the build command', () => {
    const stack = new Stack(new App({ outdir: tempOutdir() }), 'console-unbuilt');
    const site = new ConsoleSite(stack, 'Console', { stage: STAGES.dev });
    assert.throws(() => site.publish('https://api.example', path.join(tempOutdir(), 'dist')), /console is not built .*run npm run build:console/);
  });

  test('unknown or missing stage is a clear error', () => {
    assert.throws(() => stageSettings('qa'), /unknown stage "qa": expected one of dev, staging, prod/);
    assert.throws(() => stageSettings(undefined), /no stage selected: pass -c stage=/);
    assert.throws(() => createOpsgraphApp('qa'), /unknown stage/);
    assert.throws(() => stageSettings('toString'), /unknown stage/);
  });

  test('a new FUNCTIONS entry with a stream source and a schedule deploys with no infra change', () => {
    // A churn scorer as it might be declared later: triggered by the changes stream and daily.
    const churn: FunctionDefinition = {
      name: 'churn',
      entry: FUNCTIONS.sweeper.entry,
      environment: ['OPSGRAPH_STAGE', TABLES.profiles.envVar],
      memoryMb: 512,
      timeoutSeconds: 120,
      tables: ['profiles'],
      writesStreams: [],
      source: {
        stream: 'changes',
        batchSize: 100,
        maxBatchingWindowSeconds: 5,
        retryAttempts: 2,
        bisectBatchOnError: true,
        maxRecordAgeSeconds: 3_600,
        startingPosition: 'LATEST',
      },
      schedule: { everyMinutes: 1_440 },
    };
    const app = new App({ context: readCdkJson().context, outdir: tempOutdir() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stack = new OpsgraphStack(app, 'opsgraph-dev', { stage: STAGES.dev, functions: [churn] });
    const template = Template.fromJSON(app.synth().getStackByName(stack.stackName).template);
    const resources = template.toJSON().Resources as Resources;
    const fnId = logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', 'opsgraph-dev-churn');
    const changesId = logicalIdWhere(resources, 'AWS::Kinesis::Stream', 'Name', 'opsgraph-dev-changes');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: refTo(fnId),
      EventSourceArn: arnOf(changesId),
      StartingPosition: 'LATEST',
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      Targets: [Match.objectLike({ Arn: arnOf(fnId) })],
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
  });

  test('sender identities: the journey functions may send from exactly the stage\'s, nothing else may, and cdk-nag stays clean', () => {
    const messaging = {
      email: { from: 'Shop <news@mail.example.com>', identity: 'mail.example.com', configurationSet: 'opsgraph-mail' },
      sms: { originationIdentityArn: 'arn:aws:sms-voice:eu-west-1:123456789012:phone-number/phone-0123abcd' },
    };
    const app = new App({ context: readCdkJson().context, outdir: tempOutdir() });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const stage = { ...STAGES.dev, name: 'mail', messaging };
    const stack = new OpsgraphStack(app, 'opsgraph-mail', { stage, functions: [FUNCTIONS.journeyTimers, FUNCTIONS.ingest] });
    // Throws "Validation failed" on an unacknowledged cdk-nag error.
    const resources = Template.fromJSON(app.synth().getStackByName(stack.stackName).template).toJSON().Resources as Resources;
    const roleOf = (name: string) => resources[logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', `opsgraph-mail-${name}`)]!.Properties!.Role['Fn::GetAtt'][0] as string;
    const arn = (service: string, resource: string) =>
      JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:${service}:`, { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]] });
    assert.deepEqual(resourcesGranted(resources, roleOf('journeyTimers'), ['ses:SendEmail']), [arn('ses', 'configuration-set/opsgraph-mail'), arn('ses', 'identity/mail.example.com')].sort());
    assert.deepEqual(resourcesGranted(resources, roleOf('journeyTimers'), ['sms-voice:SendTextMessage']), [JSON.stringify(messaging.sms.originationIdentityArn)]);
    assert.deepEqual(resourcesGranted(resources, roleOf('ingest'), ['ses:SendEmail', 'sms-voice:SendTextMessage']), []);
    const fn = resources[logicalIdWhere(resources, 'AWS::Lambda::Function', 'FunctionName', 'opsgraph-mail-journeyTimers')]!;
    assert.deepEqual(JSON.parse(fn.Properties!.Environment.Variables.MESSAGING_SETTINGS), messaging);
  });
});
