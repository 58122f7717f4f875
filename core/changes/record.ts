import * as z from 'zod';
import { fnv1a32 } from '../experiments/hash.js';
import type { ProfileChange } from './types.js';

/*
 * The record format of the `changes` stream. Kinesis bills every record as at least 1 KB, and one user's changes
 * of a batch are about 120 bytes, so a record per user paid eight times its size (`npm run bench:cost`,
 * `kinesis_changes_stream`). Users are therefore hashed to one of {@link CHANGE_LANES} lanes, and one publish
 * writes one record per lane it touches, partitioned by the lane:
 *
 *   {"users":[{"userId":"u1","changes":[{"kind":"tag_added","subject":"high_value","at":"…"}, …]}, …]}
 *
 * A user always hashes to the same lane, so every publisher (tagger, sweeper, churn scorer) sends that user's
 * changes to the same shard, in order, as partitioning by the user did; a user's changes of one publish stay in
 * one record. The lanes bound how many shards the stream can spread over (64, far above what it needs).
 * Records of the two earlier formats, one user's changes (`{"userId","changes"}`) and one bare change, still decode:
 * the stream may hold them for its whole retention after an upgrade.
 */

/** Partition keys of the changes stream; changing it moves users between lanes (and so reorders across the change). */
export const CHANGE_LANES = 64;
/** Bytes of changes per record before a lane starts another (the Kinesis limit is 1 MiB). */
const MAX_RECORD_BYTES = 256 * 1024;

const changeKind = z.enum(['tag_added', 'tag_removed', 'segment_entered', 'segment_exited', 'profile_merged', 'profile_updated']);
const timestamp = z.string().refine((t) => Number.isFinite(Date.parse(t)), { message: 'not a timestamp' });
const singleChange = z.object({ kind: changeKind, userId: z.string().min(1), subject: z.string(), at: timestamp });
const userChanges = z.object({
  userId: z.string().min(1),
  changes: z.array(z.object({ kind: changeKind, subject: z.string(), at: timestamp })).min(1),
});
const laneChanges = z.object({ users: z.array(userChanges).min(1) });

/** The lane of a user: FNV-1a of its id (the experiments' hash), so every process agrees without coordination. */
export function laneOf(userId: string): number {
  return fnv1a32(userId) % CHANGE_LANES;
}

/** One record per lane touched (more if a lane's changes pass 256 KiB), users and their changes in order. */
export function encodeChangeRecords(changes: readonly ProfileChange[]): Array<{ PartitionKey: string; Data: Uint8Array }> {
  const byUser = new Map<string, Array<Omit<ProfileChange, 'userId'>>>();
  for (const { userId, kind, subject, at } of changes) {
    let list = byUser.get(userId);
    if (!list) byUser.set(userId, (list = []));
    list.push({ kind, subject, at });
  }
  const byLane = new Map<number, Array<{ users: string[]; bytes: number }>>();
  for (const [userId, list] of byUser) {
    const json = JSON.stringify({ userId, changes: list });
    const lane = laneOf(userId);
    let records = byLane.get(lane);
    if (!records) byLane.set(lane, (records = [{ users: [], bytes: 0 }]));
    let open = records.at(-1)!;
    if (open.users.length > 0 && open.bytes + json.length > MAX_RECORD_BYTES) records.push((open = { users: [], bytes: 0 }));
    open.users.push(json);
    open.bytes += json.length + 1;
  }
  return [...byLane].flatMap(([lane, records]) =>
    records.map(({ users }) => ({ PartitionKey: `lane-${lane}`, Data: Buffer.from(`{"users":[${users.join(',')}]}`) })),
  );
}

/** The changes of one record's data (bytes, not base64), users in order; null when it is none of the formats. */
export function decodeChangeRecord(data: Uint8Array): ProfileChange[] | null {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch {
    return null;
  }
  const lane = laneChanges.safeParse(json);
  if (lane.success) return lane.data.users.flatMap((u) => u.changes.map((c) => ({ ...c, userId: u.userId })));
  const packed = userChanges.safeParse(json);
  if (packed.success) return packed.data.changes.map((c) => ({ ...c, userId: packed.data.userId }));
  const single = singleChange.safeParse(json);
  return single.success ? [single.data] : null;
}
