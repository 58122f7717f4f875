import type { KinesisStreamRecord } from 'aws-lambda';
import { actorId } from '../analytics/aggregate.js';
import { archiveFileKey, type ArchiveFiles } from '../analytics/archive/files.js';
import { encodeArchiveFile } from '../analytics/archive/parquet.js';
import { toArchiveRecord, type ArchiveRecord } from '../analytics/archive/record.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import { refusedConsent } from '../store/consent.js';
import { decodeAll } from '../tagging/decode.js';
import { route } from '../tagging/route.js';

export interface ArchiveBatchResult {
  failed: string[];
  /** Rows written. */
  archived: number;
  /** Files written: one per event date the batch touches. */
  files: number;
}

const WRITE_CONCURRENCY = 8;

/**
 * The archiver's use case on the `events` stream: every accepted event becomes one archive row
 * (`core/analytics/archive/record.ts`), with the canonical user its identity links name at archive time, written as
 * one file per event date the batch touches (docs/architecture.md, "Analytics").
 *
 * A retried batch writes the same files again (they are named after the batch's shard and first sequence number),
 * so redelivery adds nothing; a bisected retry can make a second copy of some rows, which every query reads once.
 * People who refuse `analytics` consent are left out, as they are from the real-time aggregates.
 *
 * @example
 * const { failed } = await archiveEvents({ identities, consent, files }, event.Records);
 */
export async function archiveEvents(
  ctx: { identities: string; consent: string; files: ArchiveFiles },
  records: readonly KinesisStreamRecord[],
): Promise<ArchiveBatchResult> {
  const { decoded, failed } = decodeAll(records);
  const result: ArchiveBatchResult = { failed, archived: 0, files: 0 };
  if (decoded.length === 0) return result;
  const canonical = new Map<string, string>();
  for (const g of await route(decoded, ctx.identities)) {
    // A visitor's profile id (`anon:v1`) is no user id: their rows keep the anonymous id they were sent with.
    if (g.userId.startsWith('anon:')) continue;
    for (const item of g.items) canonical.set(item.event.eventId, g.userId);
  }
  const actors = decoded.map((d) => actorId(d.event, canonical.get(d.event.eventId)));
  const refused = await refusedConsent(ctx.consent, actors.filter((a): a is string => a !== null), 'analytics');
  const rows = decoded.flatMap((d, i) => (actors[i] !== null && refused.has(actors[i]) ? [] : [toArchiveRecord(d.event, canonical.get(d.event.eventId))]));
  const first = decoded[0]!.position;
  result.files = await writeArchiveRows(ctx.files, rows, `${first.shardId}-${first.sequenceNumber}`);
  result.archived = rows.length;
  return result;
}

/**
 * Writes rows as one file per event date, each named `name` under its `dt=` partition; returns the number of files.
 * The archiver names them after the batch; backfills, tests and benchmarks write through here too.
 *
 * @example
 * await writeArchiveRows(new FolderArchiveFiles(root), events.map((e) => toArchiveRecord(e)), 'backfill-1');
 */
export async function writeArchiveRows(files: ArchiveFiles, rows: readonly ArchiveRecord[], name: string): Promise<number> {
  const byDate = new Map<string, ArchiveRecord[]>();
  for (const row of rows) {
    let day = byDate.get(row.dt);
    if (!day) byDate.set(row.dt, (day = []));
    day.push(row);
  }
  await forEachLimit([...byDate], WRITE_CONCURRENCY, ([dt, day]) => files.write(archiveFileKey(dt, name), encodeArchiveFile(day)));
  return byDate.size;
}
