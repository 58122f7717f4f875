/**
 * The dlq tool's AWS path, as far as it can run here: the S3 adapter against s3rver (a local S3 stand-in from
 * npm), holding a dead letter in the shape Lambda's documentation gives for a Kinesis mapping's S3 on-failure
 * destination (metadata, `payload` = the invocation as a JSON string, key `aws/lambda/<ESM-UUID>/<shardID>/
 * YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`). Real Lambda, S3 and Kinesis are not exercised.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import S3rver from 's3rver';
import {
  deadLetterKey,
  parseFailureDocument,
  recordsOf,
  REPLAYED_PREFIX,
  streamNameOf,
  summarize,
  type FailureDocument,
} from '../../core/deadLetters/document.js';
import { eraseFromDeadLetters } from '../../core/deadLetters/erase.js';
import { listDocuments, replayDeadLetter } from '../../core/deadLetters/replay.js';
import { S3DeadLetterSource } from '../../core/deadLetters/s3Source.js';

const BUCKET = 'opsgraph-prod-deadletters-test';
const ESM_UUID = 'f89f8514-cdd9-4602-9e1f-01a5b77d449b';
const STREAM_ARN = 'arn:aws:kinesis:us-east-2:123456789012:stream/opsgraph-prod-events';

const b64 = (x: unknown) => Buffer.from(JSON.stringify(x)).toString('base64');
const kinesisRecord = (partitionKey: string, sequenceNumber: string, data: unknown) => ({
  kinesis: { kinesisSchemaVersion: '1.0', partitionKey, sequenceNumber, data: b64(data), approximateArrivalTimestamp: 1763632804.835 },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: `shardId-000000000001:${sequenceNumber}`,
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: 'arn:aws:iam::123456789012:role/opsgraph-prod-tagger',
  awsRegion: 'us-east-2',
  eventSourceARN: STREAM_ARN,
});

/** A dead letter as Lambda documents it for S3 destinations, with a two-record invocation in `payload`. */
function sampleDocument(): FailureDocument {
  const first = '49601189658422359378836298521827638475320189012309704722';
  const last = '49601189658422359378836298522902373528957594348623495186';
  return {
    requestContext: {
      requestId: 'c9b8fa9f-5a7f-xmpl-af9c-0c604cde93a5',
      functionArn: 'arn:aws:lambda:us-east-2:123456789012:function:opsgraph-prod-tagger',
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 4,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: '2026-11-20T10:00:06.021Z',
    KinesisBatchInfo: {
      shardId: 'shardId-000000000001',
      startSequenceNumber: first,
      endSequenceNumber: last,
      approximateArrivalOfFirstRecord: '2026-11-20T10:00:04.835Z',
      approximateArrivalOfLastRecord: '2026-11-20T10:00:05.580Z',
      batchSize: 2,
      streamArn: STREAM_ARN,
    },
    payload: JSON.stringify({
      Records: [
        kinesisRecord('a-456', first, { v: 1, event: { eventId: 'e1', type: 'track', event: 'login', anonymousId: 'a-456' } }),
        kinesisRecord('u-123', last, { v: 1, event: { eventId: 'e2', type: 'track', event: 'login', userId: 'u-123' } }),
      ],
    }),
  };
}

let server: S3rver;
let dir: string;
let s3: S3Client;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsgraph-s3rver-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir });
  const { port } = await server.run();
  s3 = new S3Client({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
after(async () => {
  s3.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('dead-letter documents (the S3 destination shape)', () => {
  it('parses the documented document and extracts the records with their partition keys and data', () => {
    const doc = parseFailureDocument(JSON.stringify(sampleDocument()));
    assert.equal(streamNameOf(doc), 'opsgraph-prod-events');
    const records = recordsOf(doc);
    assert.deepEqual(records.map((r) => r.partitionKey), ['a-456', 'u-123']);
    assert.equal(JSON.parse(records[1]!.data.toString()).event.eventId, 'e2');
    assert.equal(summarize('k', doc).function, 'opsgraph-prod-tagger');
  });

  it('says clearly when a document has no records (an SQS/SNS-style metadata record) or is not a Kinesis dead letter', () => {
    const { payload: _payload, ...metadataOnly } = sampleDocument();
    assert.throws(() => recordsOf(parseFailureDocument(JSON.stringify(metadataOnly))), /no payload/);
    assert.throws(() => parseFailureDocument('{"requestContext":{}}'), /no requestContext with functionArn/);
    assert.throws(() => parseFailureDocument('nope'), /not JSON/);
  });

  it('names objects as Lambda does', () => {
    assert.equal(
      deadLetterKey(ESM_UUID, 'shardId-000000000001', new Date('2026-11-20T10:00:06.021Z'), 'r-1'),
      `aws/lambda/${ESM_UUID}/shardId-000000000001/2026/11/20/2026-11-20T10.00.06-r-1`,
    );
  });
});

describe('the S3 adapter (against s3rver)', () => {
  it('lists pending dead letters, replays one with its partition keys, and moves it under replayed/', async () => {
    const key = deadLetterKey(ESM_UUID, 'shardId-000000000001', new Date('2026-11-20T10:00:06Z'), 'e3f1c7a0-1111-4a2b-9c3d-5e6f7a8b9c0d');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(sampleDocument()) }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${REPLAYED_PREFIX}aws/lambda/old`, Body: '{}' }));
    const source = new S3DeadLetterSource(s3, BUCKET);
    assert.deepEqual(await source.list(), [key], 'replayed/ is not pending');
    assert.equal((await listDocuments(source, 'tagger')).length, 1, 'by logical function name');
    assert.equal((await listDocuments(source, 'churnScorer')).length, 0);

    const puts: Array<{ stream: string; entries: PutRecordsRequestEntry[] }> = [];
    const outcome = await replayDeadLetter(source, key, async (stream, entries) => {
      puts.push({ stream, entries });
      return { stored: entries.map((_, i) => i), failed: [] };
    });
    assert.equal(outcome.replayedAs, `${REPLAYED_PREFIX}${key}`);
    assert.deepEqual(puts.map((p) => p.stream), ['opsgraph-prod-events']);
    assert.deepEqual(puts[0]!.entries.map((e) => e.PartitionKey), ['a-456', 'u-123']);
    assert.equal(JSON.parse(Buffer.from(puts[0]!.entries[0]!.Data!).toString()).event.eventId, 'e1');
    assert.deepEqual(await source.list(), []);
    const moved = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${REPLAYED_PREFIX}${key}` }));
    assert.equal(parseFailureDocument(await moved.Body!.transformToString()).KinesisBatchInfo.batchSize, 2);
  });

  it('leaves a dead letter pending when Kinesis does not take every record', async () => {
    const key = deadLetterKey(ESM_UUID, 'shardId-000000000001', new Date('2026-11-21T10:00:06Z'), 'partial');
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: JSON.stringify(sampleDocument()) }));
    const source = new S3DeadLetterSource(s3, BUCKET);
    const outcome = await replayDeadLetter(source, key, async () => ({
      stored: [0],
      failed: [{ index: 1, code: 'ProvisionedThroughputExceededException' }],
    }));
    assert.equal(outcome.replayedAs, undefined);
    assert.deepEqual(await source.list(), [key]);
  });

  it("erasure removes a person's records from pending and replayed dead letters, keeping the others'", async () => {
    const mixed = deadLetterKey(ESM_UUID, 'shardId-000000000002', new Date('2026-11-22T10:00:06Z'), 'mixed');
    const onlyTheirs = `${REPLAYED_PREFIX}${deadLetterKey(ESM_UUID, 'shardId-000000000002', new Date('2026-11-22T11:00:06Z'), 'theirs')}`;
    const doc = sampleDocument();
    const theirs = { ...doc, KinesisBatchInfo: { ...doc.KinesisBatchInfo, batchSize: 1 }, payload: JSON.stringify({ Records: [JSON.parse(doc.payload!).Records[1]] }) };
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: mixed, Body: JSON.stringify(doc) }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: onlyTheirs, Body: JSON.stringify(theirs) }));
    const source = new S3DeadLetterSource(s3, BUCKET);
    // The earlier tests' dead letters (one replayed, one pending) hold u-123 too: 2 + 2 records.
    assert.equal(await eraseFromDeadLetters(source, ['u-123']), 4);
    const all = await source.listAll();
    assert.ok(all.includes(mixed) && !all.includes(onlyTheirs), JSON.stringify(all));
    for (const id of all) {
      const text = await source.readText(id);
      if (text === '{}') continue;
      assert.ok(recordsOf(parseFailureDocument(text)).every((r) => !r.data.toString().includes('"u-123"')), id);
    }
    const kept = parseFailureDocument(await source.readText(mixed));
    assert.equal(kept.KinesisBatchInfo.batchSize, 1);
    assert.deepEqual(recordsOf(kept).map((r) => r.partitionKey), ['a-456']);
    assert.equal(await eraseFromDeadLetters(source, ['u-123']), 0, 'a rerun finds nothing more');
  });
});
