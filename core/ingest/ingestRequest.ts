import { MAX_REQUEST_BYTES, type StreamRecord } from '../events/schema.js';
import { validateBatch, type Rejection } from '../events/validate.js';
import { putRecordsWithRetry } from '../streams/putRecords.js';

export interface IngestResult {
  status: 200 | 400 | 413;
  body: { accepted: number; rejected: Rejection[] };
}

/**
 * The shard key. The anonymous id comes first: a visitor's anonymous events and the identify that links them to a
 * user then share a shard, so the tagger handles them in order and the merge of the anonymous profile never races
 * a write to it from another shard. Events of a known user from several devices may then use several shards;
 * the fold does not depend on order, and concurrent profile writes are version-checked and retried.
 */
export function partitionKeyOf(event: StreamRecord['event']): string {
  return event.anonymousId ?? event.userId ?? event.eventId;
}

/**
 * The ingest use case behind `POST /v1/events`, independent of HTTP: size check, JSON parse, per-item validation,
 * then PutRecords of the valid events. Invalid items are rejected one by one; the valid ones are still stored.
 *
 * @example
 * const { status, body } = await ingestRequest(rawBody, { stream, source: 'admin', receivedAt: Date.now() });
 */
export async function ingestRequest(
  rawBody: string,
  options: { stream: string; source: string; receivedAt: number },
): Promise<IngestResult> {
  const bytes = Buffer.byteLength(rawBody);
  if (bytes > MAX_REQUEST_BYTES) {
    return {
      status: 413,
      body: {
        accepted: 0,
        rejected: [{ index: -1, code: 'BAD_REQUEST', message: `request is ${bytes} bytes; the limit is ${MAX_REQUEST_BYTES}` }],
      },
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch (err) {
    return {
      status: 400,
      body: { accepted: 0, rejected: [{ index: -1, code: 'MALFORMED_JSON', message: `body is not JSON: ${(err as Error).message}` }] },
    };
  }
  const { valid, rejected } = validateBatch(parsed, options.receivedAt);
  const receivedAt = new Date(options.receivedAt).toISOString();
  const entries = valid.map(({ event }) => {
    const record: StreamRecord = { v: 1, receivedAt, source: options.source, event };
    return { PartitionKey: partitionKeyOf(event), Data: Buffer.from(JSON.stringify(record)) };
  });
  const { stored, failed } = entries.length
    ? await putRecordsWithRetry(options.stream, entries)
    : { stored: [], failed: [] };
  for (const f of failed) {
    rejected.push({
      index: valid[f.index]!.index,
      code: 'STREAM_UNAVAILABLE',
      message: `the event stream did not take this event (${f.code}); resend it, its eventId makes that safe`,
    });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { status: stored.length > 0 ? 200 : 400, body: { accepted: stored.length, rejected } };
}
