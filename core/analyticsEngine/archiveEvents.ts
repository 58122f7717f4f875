import type { KinesisStreamRecord } from 'aws-lambda';
import { actorId } from '../analytics/aggregate.js';
import { archiveFileKey, toNdjson, type ArchiveFiles } from '../analytics/archive/files.js';
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
  const byDate = new Map<string, ArchiveRecord[]>();
  decoded.forEach((d, i) => {
    if (actors[i] !== null && refused.has(actors[i])) return;
    const row = toArchiveRecord(d.event, canonical.get(d.event.eventId));
    let rows = byDate.get(row.dt);
    if (!rows) byDate.set(row.dt, (rows = []));
    rows.push(row);
  });
  const first = decoded[0]!.position;
  const name = `${first.shardId}-${first.sequenceNumber}`;
  await forEachLimit([...byDate], WRITE_CONCURRENCY, ([dt, rows]) => ctx.files.write(archiveFileKey(dt, name), toNdjson(rows)));
  result.archived = [...byDate.values()].reduce((n, rows) => n + rows.length, 0);
  result.files = byDate.size;
  return result;
}
