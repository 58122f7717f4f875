import type { KinesisStreamRecord } from 'aws-lambda';
import type { StoredEvent } from '../events/schema.js';
import { readStreamRecord } from '../events/streamRecord.js';
import type { RecordPosition } from '../profile/fold.js';

/** One `events` stream record, checked: its event and its position (the per-shard dedup watermark). */
export interface Decoded {
  record: KinesisStreamRecord;
  event: StoredEvent;
  position: RecordPosition;
}

/** The shard of a record, from its `eventID` (`shardId-000000000000:4959…`). */
const shardOf = (eventId: string) => {
  const colon = eventId.indexOf(':');
  return colon < 0 ? eventId : eventId.slice(0, colon);
};

/**
 * Decodes and checks one Kinesis record; null for a record that is not a valid stream record (poison), which the
 * caller reports as failed so it alone goes to the on-failure destination.
 *
 * @example
 * const d = decode(record); // null: report record.kinesis.sequenceNumber as failed
 */
export function decode(record: KinesisStreamRecord): Decoded | null {
  const event = readStreamRecord(record.kinesis.data);
  if (!event) return null;
  return { record, event, position: { shardId: shardOf(record.eventID), sequenceNumber: record.kinesis.sequenceNumber } };
}

/**
 * Decodes a batch: the valid records in order, and the sequence numbers of the poison ones (failed, so Lambda
 * retries from the earliest and then sends it to the on-failure destination).
 *
 * @example
 * const { decoded, failed } = decodeAll(event.Records);
 */
export function decodeAll(records: readonly KinesisStreamRecord[]): { decoded: Decoded[]; failed: string[] } {
  const decoded: Decoded[] = [];
  const failed: string[] = [];
  for (const record of records) {
    const d = decode(record);
    if (d) decoded.push(d);
    else failed.push(record.kinesis.sequenceNumber);
  }
  return { decoded, failed };
}
