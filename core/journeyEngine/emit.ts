import type { StoredEvent, StreamRecord } from '../events/schema.js';
import { partitionKeyOf } from '../ingest/ingestRequest.js';
import { fnv1a32 } from '../journeys/assign.js';
import { putRecordsWithRetry } from '../streams/putRecords.js';

/** The API-key name journey events carry as their `source` on the stream. */
export const JOURNEY_SOURCE = 'journeys';

/**
 * The event id of an effect's event: fixed by its idempotency key, so an effect applied again (after a crash)
 * emits the same id, which the profile fold and the aggregates skip as a duplicate.
 */
export const effectEventId = (key: string) => `jrn-${fnv1a32(key).toString(36)}${fnv1a32(`${key}#event`).toString(36)}`;

/**
 * Puts events that journeys cause (`coupon_issued`, an `identify` for SET_TRAIT, `campaign_tag_changed`), or
 * experiment exposures (`source` "experiments"), on the `events` stream, as ingest would. Throws if any was not stored: the step's effects stay pending and are
 * applied again.
 *
 * @example
 * await emitEvents(tables.eventsStream, [{ type: 'track', event: 'coupon_issued', userId, eventId, timestamp, properties }]);
 */
export async function emitEvents(stream: string, events: readonly StoredEvent[], nowMs: number, source = JOURNEY_SOURCE): Promise<void> {
  if (events.length === 0) return;
  const receivedAt = new Date(nowMs).toISOString();
  const entries = events.map((event) => {
    const record: StreamRecord = { v: 1, receivedAt, source, event };
    return { PartitionKey: partitionKeyOf(event), Data: Buffer.from(JSON.stringify(record)) };
  });
  const { failed } = await putRecordsWithRetry(stream, entries);
  if (failed.length) throw new Error(`${failed.length} journey events were not stored (${failed[0]!.code})`);
}
