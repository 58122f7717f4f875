/**
 * Provisions the local runtime's tables and streams. This file talks to DynamoDB outside core/store on purpose: it plays
 * CloudFormation (control-plane CreateTable / DescribeTable / UpdateTimeToLive), not data access, which stays in core/store.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ResourceInUseException as StreamInUse } from '@aws-sdk/client-kinesis';
import { dynamo } from '../core/aws/clients.js';
import { kinesis } from '../core/aws/kinesis.js';
import { physicalName, STREAMS, TABLES, type KeyAttribute, type TableDefinition } from '../core/platform/definitions.js';
import { sleep } from '../core/platform/sleep.js';

async function createTable(stage: string, table: TableDefinition): Promise<void> {
  const client = dynamo() as unknown as DynamoDBClient;
  const name = physicalName(stage, table.name);
  const keysOf = (k: { partitionKey: KeyAttribute; sortKey?: KeyAttribute }) => [k.partitionKey, ...(k.sortKey ? [k.sortKey] : [])];
  const keySchema = (keys: KeyAttribute[]) => keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? ('HASH' as const) : ('RANGE' as const) }));
  const indexes = table.indexes ?? [];
  const attributes = new Map([...keysOf(table), ...indexes.flatMap(keysOf)].map((k) => [k.name, k.type]));
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: keySchema(keysOf(table)),
        ...(indexes.length
          ? {
              GlobalSecondaryIndexes: indexes.map((ix) => ({
                IndexName: ix.name,
                KeySchema: keySchema(keysOf(ix)),
                Projection: { ProjectionType: 'ALL' as const },
              })),
            }
          : {}),
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  while ((await client.send(new DescribeTableCommand({ TableName: name }))).Table?.TableStatus !== 'ACTIVE') await sleep(20);
  if (table.timeToLiveAttribute) {
    await client
      .send(new UpdateTimeToLiveCommand({ TableName: name, TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true } }))
      .catch(() => undefined); // dynalite accepts but does not expire; TTL matters only on AWS
  }
}

async function createStream(stage: string, logical: string, shards: number): Promise<void> {
  const name = physicalName(stage, logical);
  try {
    await kinesis().send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (err) {
    if (!(err instanceof StreamInUse)) throw err;
  }
  while ((await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
    await sleep(20);
  }
}

/**
 * Creates every table and stream of {@link TABLES} and {@link STREAMS} in the embedded servers, the same
 * definitions the CDK stack deploys. Idempotent: existing ones are kept with their data.
 */
export async function provision(stage: string): Promise<void> {
  await Promise.all(Object.values(TABLES).map((t) => createTable(stage, t)));
  await Promise.all(Object.values(STREAMS).map((s) => createStream(stage, s.name, s.localShards)));
}
