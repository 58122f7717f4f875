import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { ARCHIVE_PREFIX, readArchiveFile, type ArchiveFiles } from '../analytics/archive/files.js';
import { fromArchiveRecord } from '../analytics/archive/record.js';
import type { StoredEvent, StreamRecord } from '../events/schema.js';
import { partitionKeyOf } from '../ingest/ingestRequest.js';
import { putRecordsWithRetry } from '../streams/putRecords.js';

/** What a replay of the archive did. */
export interface ArchiveReplayOutcome {
  files: number;
  events: number;
  stored: number;
  /** Events Kinesis still refused after every retry, by event id (rerun the replay: resends are harmless). */
  failed: Array<{ eventId: string; code: string }>;
}

/** Events put per PutRecords round (the sender splits them into calls of 500). */
const CHUNK = 2_000;

/** The partition date of an archive file key (`events/dt=2026-01-02/…`). */
const dateOf = (key: string) => key.slice(ARCHIVE_PREFIX.length + 'dt='.length, ARCHIVE_PREFIX.length + 'dt='.length + 10);

/**
 * Puts the archived events of the event dates `[fromDate, toDate]` back on the `events` stream, in date order, as
 * ingest would (same record shape and partition keys): the backfill that rebuilds profiles, aggregates and the
 * archive of a stage that lacks them (a new stage, or one whose tables were lost). A rerun after a partial replay is
 * harmless for recent events (profiles remember their last 500 event ids, the aggregator its claims for 7 days),
 * but a stage that already folded older events would count them again: replay into one that does not hold them.
 *
 * @example
 * await replayArchive(files, 'opsgraph-prod-events', { fromDate: '2026-11-01', toDate: '2026-11-30' })
 */
export async function replayArchive(
  files: ArchiveFiles,
  stream: string,
  range: { fromDate: string; toDate: string },
  onProgress?: (events: number) => void,
  put = putRecordsWithRetry,
): Promise<ArchiveReplayOutcome> {
  const outcome: ArchiveReplayOutcome = { files: 0, events: 0, stored: 0, failed: [] };
  const seen = new Set<string>();
  const receivedAt = new Date().toISOString();
  let pending: StoredEvent[] = [];
  const flush = async () => {
    const entries: PutRecordsRequestEntry[] = pending.map((event) => {
      const record: StreamRecord = { v: 1, receivedAt, source: 'archive-replay', event };
      return { PartitionKey: partitionKeyOf(event), Data: Buffer.from(JSON.stringify(record)) };
    });
    const r = await put(stream, entries);
    outcome.stored += r.stored.length;
    for (const f of r.failed) outcome.failed.push({ eventId: pending[f.index]!.eventId, code: f.code });
    pending = [];
    onProgress?.(outcome.events);
  };
  for (const key of (await files.list()).filter((k) => dateOf(k) >= range.fromDate && dateOf(k) <= range.toDate)) {
    outcome.files++;
    const events: StoredEvent[] = [];
    for (const row of await readArchiveFile(files, key)) {
      const e = fromArchiveRecord(row);
      if (e && !seen.has(e.eventId)) {
        seen.add(e.eventId);
        events.push(e);
      }
    }
    // In event time within a file, so a person's identify comes before the events it links.
    events.sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    for (const e of events) {
      pending.push(e);
      outcome.events++;
      if (pending.length >= CHUNK) await flush();
    }
  }
  if (pending.length) await flush();
  return outcome;
}
