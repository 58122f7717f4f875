import { paginateQuery, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import { batchWriteAll } from '../../store/batchWrite.js';

/**
 * The timers table (`minute`, `id`): durable journey timers, partitioned by the wall-clock minute they fall due, so
 * the timer tick reads only the minutes that have come (docs/architecture.md, "Journeys"). `id` is
 * `<due time>#<idempotency key>`: setting the same timer twice writes the same item.
 */

/** What a timer does when it fires: step an enrollment parked at a wait, or run a queued send's guards again. */
export type TimerKind = 'STEP' | 'QUEUED_SEND';

export interface TimerItem {
  minute: string;
  id: string;
  kind: TimerKind;
  /** When it is due, in event time: the asOf of the step it causes. */
  at: string;
  userId: string;
  enrollmentId: string;
  campaignId: string;
  node: string;
  visit: number;
  /** QUEUED_SEND: the outbox item to send. */
  outboxId?: string;
  /** Wall-clock epoch ms it is due: its time, or {@link SETTLE_MS} after it was set if that is later (lateness is from here). */
  dueMs: number;
}

/**
 * Least wall-clock time between setting a timer and firing it. A wait already over when it is set (a replayed or
 * late event) would otherwise fire before the tagger, which runs beside the journeys function, has folded the events
 * that led to it into the profile the next step reads.
 */
export const SETTLE_MS = 1_000;

/** The partition of a wall-clock instant: `2026-12-02T18:51`. */
export const minuteOf = (ms: number) => new Date(ms).toISOString().slice(0, 16);

/**
 * Stores a timer. It goes in the partition of its due time, or of `nowMs` (plus {@link SETTLE_MS}) if that is later:
 * a timer due in the past (an event replayed from history waits "3 days" of 2011) fires at once instead of in a
 * minute the tick has already left behind.
 *
 * @example
 * await putTimer(table, { kind: 'STEP', at, userId, enrollmentId, campaignId, node, visit }, key, Date.now());
 */
export async function putTimer(table: string, timer: Omit<TimerItem, 'minute' | 'id' | 'dueMs'>, key: string, nowMs: number): Promise<TimerItem> {
  const dueMs = Math.max(Date.parse(timer.at), nowMs + SETTLE_MS);
  const item: TimerItem = { ...timer, minute: minuteOf(dueMs), id: `${timer.at}#${key}`, dueMs };
  await dynamo().send(new PutCommand({ TableName: table, Item: item }));
  return item;
}

/**
 * Timers of one minute partition due by `nowMs` (every one of them, for a minute that has passed).
 *
 * @example
 * for (const t of await dueTimers(table, '2026-12-02T18:51', Date.now())) await fire(t);
 */
export async function dueTimers(table: string, minute: string, nowMs: number): Promise<TimerItem[]> {
  const out: TimerItem[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      // Ids start with the due time: the rest of the minute is not read (a settling timer is filtered below).
      KeyConditionExpression: '#m = :m AND id <= :now',
      ExpressionAttributeNames: { '#m': 'minute' },
      ExpressionAttributeValues: { ':m': minute, ':now': `${new Date(nowMs).toISOString()}~` },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const t = item as TimerItem;
      if (t.dueMs <= nowMs) out.push(t);
    }
  }
  return out;
}


/** Removes fired timers, 25 to a BatchWriteItem (a tick deletes all it fired at once). */
export async function deleteTimers(table: string, timers: ReadonlyArray<Pick<TimerItem, 'minute' | 'id'>>): Promise<void> {
  await batchWriteAll(table, timers.map((t) => ({ DeleteRequest: { Key: { minute: t.minute, id: t.id } } })));
}
