import { paginateQuery, PutCommand, QueryCommand, UpdateCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import { expiresAtFor } from '../../platform/retention.js';
import type { MessageReason, MessageStatus } from '../../journeys/guards.js';
import { ifConditionHolds } from '../../store/conditional.js';

/**
 * The outbox table (`userId`, `id`; index `byCampaign`): one item per journey effect that reaches the outside or is
 * measured, written once under its idempotency key. Messages (every send attempt, including those held back, and
 * why), actions, split exposures and goal conversions. `id` is `<event time>#<idempotency key>`: the step that
 * made the effect fixes both, so a retried step writes the same id, and items list in time order.
 */

export type OutboxKind = 'MESSAGE' | 'ACTION' | 'EXPOSURE' | 'GOAL';

export interface OutboxItem {
  userId: string;
  id: string;
  kind: OutboxKind;
  idempotencyKey: string;
  campaignId: string;
  campaignVersion: number;
  enrollmentId: string;
  node: string;
  /** Event time of the step that made it. */
  createdAt: string;
  status: MessageStatus;
  reason?: MessageReason;
  detail: string;
  channel?: string;
  purpose?: string;
  subject?: string;
  body?: string;
  /** QUEUED: when the guards run again. */
  notBefore?: string;
  /** COMPLIANCE: the banned term found. */
  term?: string;
  /** ACTION: which, and its result (a coupon code). */
  action?: string;
  couponCode?: string;
  /** EXPOSURE: the split and the variant. */
  experiment?: string;
  variant?: string;
  /** GOAL: the converting event and its revenue. */
  eventId?: string;
  revenue?: number;
  /** When the status last changed (wall clock), for delivery and queue handling. */
  updatedAt: string;
  /** QUEUED while one applier delivers it (a webhook): epoch ms until which that applier holds it. */
  leaseUntil?: number;
}

/** The outbox id of an effect: event time first, so a user's items sort by time. */
export const outboxId = (createdAt: string, key: string, kind: OutboxKind) => `${createdAt}#${kind}#${key}`;

/**
 * Writes an outcome unless its id is already there. False: an earlier attempt of the same step recorded it (and
 * performed it), so the caller does nothing more.
 *
 * @example
 * if (await recordOutcome(table, item)) await deliver(item);
 */
export async function recordOutcome(table: string, item: OutboxItem): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new PutCommand({ TableName: table, Item: { ...item, expiresAt: expiresAtFor('outbox', item.createdAt) }, ConditionExpression: 'attribute_not_exists(id)' }),
    ),
  );
}

/**
 * Moves an item from `from` to a new status (a queued message sent when quiet hours end, a webhook delivered or
 * failed), only if it is still at `from`. False when someone else moved it.
 */
export async function moveOutcome(
  table: string,
  at: Pick<OutboxItem, 'userId' | 'id'>,
  from: MessageStatus,
  to: Pick<OutboxItem, 'status' | 'reason' | 'detail' | 'notBefore' | 'term' | 'updatedAt'>,
): Promise<boolean> {
  const set: Record<string, unknown> = { '#s': to.status, detail: to.detail, updatedAt: to.updatedAt };
  if (to.reason) set.reason = to.reason;
  if (to.term) set.term = to.term;
  if (to.notBefore) set.notBefore = to.notBefore;
  const names: Record<string, string> = { '#s': 'status' };
  const values: Record<string, unknown> = { ':from': from };
  const parts = Object.entries(set).map(([k, v], i) => {
    values[`:v${i}`] = v;
    return `${k} = :v${i}`;
  });
  const removes = [...(['reason', 'term', 'notBefore'] as const).filter((k) => !to[k]), 'leaseUntil'];
  return ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { userId: at.userId, id: at.id },
        UpdateExpression: `SET ${parts.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
        ConditionExpression: '#s = :from',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}

/**
 * Takes the delivery lease of a QUEUED item (one held by quiet hours, or whose last holder's lease ran out):
 * `HELD` when this caller now holds it until `untilMs`, `BUSY` while another holds a live lease, `DONE` when the
 * item has left QUEUED (someone delivered it, or decided not to). Only the holder delivers, so two appliers of one
 * step (a retried batch and a timer) never both call a webhook.
 */
export async function leaseOutcome(table: string, at: Pick<OutboxItem, 'userId' | 'id'>, nowMs: number, untilMs: number): Promise<'HELD' | 'BUSY' | 'DONE'> {
  const held = await ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { userId: at.userId, id: at.id },
        UpdateExpression: 'SET leaseUntil = :until',
        ConditionExpression: '#s = :queued AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':until': untilMs, ':queued': 'QUEUED', ':now': nowMs },
      }),
    ),
  );
  if (held) return 'HELD';
  const current = await getOutcome(table, at.userId, at.id);
  return current?.status === 'QUEUED' ? 'BUSY' : 'DONE';
}

/** One outbox item, or null (read consistently: the caller is about to act on its status). */
export async function getOutcome(table: string, userId: string, id: string): Promise<OutboxItem | null> {
  const res = await dynamo().send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'userId = :u AND id = :id',
      ExpressionAttributeValues: { ':u': userId, ':id': id },
      ConsistentRead: true,
    }),
  );
  return (res.Items?.[0] as OutboxItem | undefined) ?? null;
}

/**
 * Messages SENT to a user from `since` up to `until` (event time), with their campaign: what frequency caps count.
 *
 * @example
 * const sent = await sentMessages(table, 'u-1', weekAgo, now);
 */
export async function sentMessages(table: string, userId: string, since: string, until: string): Promise<Array<Pick<OutboxItem, 'campaignId' | 'createdAt'>>> {
  const out: Array<Pick<OutboxItem, 'campaignId' | 'createdAt'>> = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      KeyConditionExpression: 'userId = :u AND id BETWEEN :a AND :b',
      FilterExpression: 'kind = :m AND #s = :sent',
      ProjectionExpression: 'campaignId, createdAt',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':u': userId, ':a': since, ':b': `${until}~`, ':m': 'MESSAGE', ':sent': 'SENT' },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) out.push(item as Pick<OutboxItem, 'campaignId' | 'createdAt'>);
  return out;
}

/** A page of outbox items and the cursor of the next page. */
export interface OutboxPage {
  items: OutboxItem[];
  /** The `id` (and user) to continue after; absent on the last page. */
  next?: { userId: string; id: string };
}

/**
 * Outbox items of a user or of a campaign (or both), newest first, `kind` only if given. Pages by the last item's
 * key. A filter on the kind can leave a DynamoDB page short; this reads on until `first` items or the end.
 *
 * @example
 * const page = await listOutbox(table, { campaignId: 'c1', kind: 'MESSAGE', first: 20 });
 */
export async function listOutbox(
  table: string,
  q: { campaignId?: string; userId?: string; kind?: OutboxKind; first: number; after?: { userId: string; id: string } },
): Promise<OutboxPage> {
  const values: Record<string, unknown> = {};
  const filters: string[] = [];
  let input: QueryCommandInput;
  if (q.userId !== undefined) {
    values[':u'] = q.userId;
    input = { TableName: table, KeyConditionExpression: 'userId = :u' };
    if (q.campaignId !== undefined) {
      values[':c'] = q.campaignId;
      filters.push('campaignId = :c');
    }
  } else {
    values[':c'] = q.campaignId;
    input = { TableName: table, IndexName: 'byCampaign', KeyConditionExpression: 'campaignId = :c' };
  }
  if (q.kind) {
    values[':k'] = q.kind;
    filters.push('kind = :k');
  }
  const items: OutboxItem[] = [];
  let start: Record<string, unknown> | undefined = q.after
    ? q.userId !== undefined
      ? { userId: q.after.userId, id: q.after.id }
      : { campaignId: q.campaignId, userId: q.after.userId, id: q.after.id }
    : undefined;
  do {
    const res = await dynamo().send(
      new QueryCommand({
        ...input,
        ScanIndexForward: false,
        Limit: q.first - items.length,
        ExclusiveStartKey: start,
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ExpressionAttributeValues: values,
      }),
    );
    for (const item of res.Items ?? []) items.push(item as OutboxItem);
    start = res.LastEvaluatedKey;
  } while (start && items.length < q.first);
  const last = items.at(-1);
  return { items, ...(start && last ? { next: { userId: last.userId, id: last.id } } : {}) };
}

/** Counts of a campaign's outbox, by kind and status, and the goal revenue. */
export interface OutboxCounts {
  sent: number;
  suppressed: number;
  queued: number;
  failed: number;
  revenue: number;
}

/**
 * A campaign's items of some kinds, with only `attributes` read (one projected query of the `byCampaign` index).
 */
async function campaignItems(table: string, campaignId: string, kinds: readonly OutboxKind[], attributes: readonly string[]): Promise<Array<Partial<OutboxItem>>> {
  const out: Array<Partial<OutboxItem>> = [];
  const names = Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a]));
  const kindValues = Object.fromEntries(kinds.map((k, i) => [`:k${i}`, k]));
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      IndexName: 'byCampaign',
      KeyConditionExpression: 'campaignId = :c',
      FilterExpression: `kind IN (${Object.keys(kindValues).join(', ')})`,
      ProjectionExpression: Object.keys(names).join(', '),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: { ':c': campaignId, ...kindValues },
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) out.push(item as Partial<OutboxItem>);
  return out;
}

/** Counts a campaign's messages by status and sums its goal revenue. */
export async function countOutbox(table: string, campaignId: string): Promise<OutboxCounts> {
  const counts: OutboxCounts = { sent: 0, suppressed: 0, queued: 0, failed: 0, revenue: 0 };
  for (const item of await campaignItems(table, campaignId, ['MESSAGE', 'GOAL'], ['kind', 'status', 'revenue'])) {
    if (item.kind === 'GOAL') {
      counts.revenue += typeof item.revenue === 'number' ? item.revenue : 0;
      continue;
    }
    if (item.status === 'SENT') counts.sent++;
    else if (item.status === 'SUPPRESSED') counts.suppressed++;
    else if (item.status === 'QUEUED') counts.queued++;
    else counts.failed++;
  }
  return counts;
}

/**
 * A campaign's messages and goals with their event times, for its performance over time.
 *
 * @example
 * campaignPerformance(await performanceItems(table, 'c1'), buckets)
 */
export async function performanceItems(table: string, campaignId: string): Promise<PerformanceItem[]> {
  return (await campaignItems(table, campaignId, ['MESSAGE', 'GOAL'], ['kind', 'status', 'revenue', 'createdAt'])) as PerformanceItem[];
}

/** A message or a goal of a campaign, as its performance reads them. */
export type PerformanceItem = Pick<OutboxItem, 'kind' | 'status' | 'revenue' | 'createdAt'>;

/** An exposure or a goal of a campaign, as its experiment analysis reads them. */
export type SplitOutcome = Pick<OutboxItem, 'kind' | 'enrollmentId' | 'node' | 'variant' | 'revenue'>;

/**
 * A campaign's split exposures and goal conversions.
 *
 * @example
 * const items = await splitOutcomes(table, 'c1');
 */
export async function splitOutcomes(table: string, campaignId: string): Promise<SplitOutcome[]> {
  return (await campaignItems(table, campaignId, ['EXPOSURE', 'GOAL'], ['kind', 'enrollmentId', 'node', 'variant', 'revenue'])) as SplitOutcome[];
}
