import type { KinesisStreamRecord } from 'aws-lambda';
import { partitionKeyOf } from '../../core/ingest/ingestRequest.js';
import type { StreamRecord } from '../../core/events/schema.js';

let seq = 1000n;

/** A Kinesis record as Lambda delivers it, carrying one event; sequence numbers increase across calls. */
export function record(event: StreamRecord['event'], shard = 'shardId-000000000009'): KinesisStreamRecord {
  seq += 1n;
  const body: StreamRecord = { v: 1, receivedAt: '2026-11-23T00:00:00.000Z', source: 'test', event };
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: partitionKeyOf(event),
      sequenceNumber: String(seq).padStart(56, '0'),
      data: Buffer.from(JSON.stringify(body)).toString('base64'),
      approximateArrivalTimestamp: 1,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${shard}:${String(seq).padStart(56, '0')}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
  };
}
