import type { _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/**
 * The `KinesisStreamEvent` Lambda builds from GetRecords output, as the local event source mapping and the
 * dead-letter replay hand it to a handler.
 *
 * @example
 * await handler(toKinesisEvent(res.Records ?? [], { shardId, streamArn, functionName: 'tagger' }));
 */
export function toKinesisEvent(
  records: _Record[],
  source: { shardId: string; streamArn: string; functionName: string; region?: string },
): KinesisStreamEvent {
  return {
    Records: records.map(
      (r): KinesisStreamRecord => ({
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.PartitionKey!,
          sequenceNumber: r.SequenceNumber!,
          data: Buffer.from(r.Data!).toString('base64'),
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) / 1000,
        },
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${source.shardId}:${r.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: `arn:aws:iam::000000000000:role/${source.functionName}`,
        awsRegion: source.region ?? 'us-east-1',
        eventSourceARN: source.streamArn,
      }),
    ),
  };
}
