import { z } from 'zod';
import type { ProfileChange } from './types.js';

/*
 * The record format of the `changes` stream: one record per user per publish, holding that user's changes in
 * order, `{"userId":"u1","changes":[{"kind":"tag_added","subject":"high_value","at":"…"}, …]}`, partitioned by
 * the user. Kinesis bills every record as at least 1 KB, and a batch usually changes a user in several ways at
 * once (a profile update and the tags and segments it moved), so one record per change paid that minimum for
 * each (`npm run bench:cost`, `kinesis_changes_stream`). A record of the earlier format, one change as a bare
 * object, still decodes: the stream may hold them for its whole retention after an upgrade.
 */

const changeKind = z.enum(['tag_added', 'tag_removed', 'segment_entered', 'segment_exited', 'profile_merged', 'profile_updated']);
const timestamp = z.string().refine((t) => Number.isFinite(Date.parse(t)), { message: 'not a timestamp' });
const singleChange = z.object({ kind: changeKind, userId: z.string().min(1), subject: z.string(), at: timestamp });
const userChanges = z.object({
  userId: z.string().min(1),
  changes: z.array(z.object({ kind: changeKind, subject: z.string(), at: timestamp })).min(1),
});

/** One record per user, in the order the changes came, as PutRecords entries. */
export function encodeChangeRecords(changes: readonly ProfileChange[]): Array<{ PartitionKey: string; Data: Uint8Array }> {
  const byUser = new Map<string, Array<Omit<ProfileChange, 'userId'>>>();
  for (const { userId, kind, subject, at } of changes) {
    let list = byUser.get(userId);
    if (!list) byUser.set(userId, (list = []));
    list.push({ kind, subject, at });
  }
  return [...byUser].map(([userId, list]) => ({ PartitionKey: userId, Data: Buffer.from(JSON.stringify({ userId, changes: list })) }));
}

/** The changes of one record's data (bytes, not base64); null when it is neither format. */
export function decodeChangeRecord(data: Uint8Array): ProfileChange[] | null {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return null;
  }
  const packed = userChanges.safeParse(json);
  if (packed.success) return packed.data.changes.map((c) => ({ ...c, userId: packed.data.userId }));
  const single = singleChange.safeParse(json);
  return single.success ? [single.data] : null;
}
