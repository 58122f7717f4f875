/**
 * The aggregates table: one item per (series, bucket), where a series is a metric at one stored granularity (HOUR
 * or DAY, UTC), one dimension value and, for money, one currency (docs/architecture.md, "Analytics").
 *
 * - Counters hold `n` and one watermark attribute per shard (`wm_<shardId>`, the last sequence number applied):
 *   a write is `ADD n` conditional on the watermark the writer read, so a redelivered batch adds nothing twice.
 * - Sketches hold HyperLogLog registers (`hll`) and a version `v`: merging is idempotent (register maxima), and
 *   the version keeps two shards' writers from overwriting each other.
 * - Index items list a series family's dimension values (string sets only grow, so adds are idempotent).
 */
import { paginateQuery, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../aws/clients.js';
import { batchGetAll } from '../../store/batchGet.js';
import { ifConditionHolds } from '../../store/conditional.js';

export interface AggregateKey {
  series: string;
  bucket: number;
}

export interface StoredAggregate extends AggregateKey {
  n?: number;
  hll?: Uint8Array;
  v?: number;
  [watermark: `wm_${string}`]: string | undefined;
}

export const watermarkAttribute = (shardId: string) => `wm_${shardId.replace(/[^A-Za-z0-9_-]/g, '_')}` as const;
const itemKey = (k: AggregateKey) => `${k.series}\u0000${k.bucket}`;

/**
 * The stored items of the given keys, by `series + "\0" + bucket`.
 *
 * @example
 * const items = await getAggregates(table, keys);
 */
export async function getAggregates(table: string, keys: readonly AggregateKey[]): Promise<Map<string, StoredAggregate>> {
  const unique = [...new Map(keys.map((k) => [itemKey(k), { series: k.series, bucket: k.bucket }])).values()];
  const items = await batchGetAll(table, unique);
  return new Map(items.map((i) => [itemKey(i as unknown as AggregateKey), i as unknown as StoredAggregate]));
}

export { itemKey as aggregateItemKey };

/**
 * Adds `amount` to a counter and moves the shard's watermark from `seen` (what the writer read; undefined: none yet)
 * to `next`. False when the watermark moved meanwhile (another attempt of this shard's batch wrote first).
 */
export function addToCounter(table: string, key: AggregateKey, amount: number, shardId: string, seen: string | undefined, next: string): Promise<boolean> {
  const wm = watermarkAttribute(shardId);
  return ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { series: key.series, bucket: key.bucket },
        UpdateExpression: 'ADD n :a SET #w = :next',
        ConditionExpression: seen === undefined ? 'attribute_not_exists(#w)' : '#w = :seen',
        ExpressionAttributeNames: { '#w': wm },
        ExpressionAttributeValues: { ':a': amount, ':next': next, ...(seen === undefined ? {} : { ':seen': seen }) },
      }),
    ),
  );
}

/** Replaces a sketch's registers if its version is still `version` (undefined: the item has no sketch yet). */
export function putSketch(table: string, key: AggregateKey, registers: Uint8Array, version: number | undefined): Promise<boolean> {
  return ifConditionHolds(() =>
    dynamo().send(
      new UpdateCommand({
        TableName: table,
        Key: { series: key.series, bucket: key.bucket },
        UpdateExpression: 'SET hll = :h, v = :next',
        ConditionExpression: version === undefined ? 'attribute_not_exists(v)' : 'v = :v',
        ExpressionAttributeValues: { ':h': registers, ':next': (version ?? 0) + 1, ...(version === undefined ? {} : { ':v': version }) },
      }),
    ),
  );
}

/** Adds values to an index item's string set (idempotent). */
export async function addIndexValues(table: string, key: AggregateKey, values: readonly string[]): Promise<void> {
  if (values.length === 0) return;
  await dynamo().send(
    new UpdateCommand({
      TableName: table,
      Key: { series: key.series, bucket: key.bucket },
      UpdateExpression: 'ADD vals :v',
      ExpressionAttributeValues: { ':v': new Set(values) },
    }),
  );
}

/** The values an index item lists (empty when none). */
export async function indexValues(table: string, key: AggregateKey): Promise<string[]> {
  const item = (await getAggregates(table, [key])).get(itemKey(key)) as { vals?: Set<string> } | undefined;
  return item?.vals ? [...item.vals] : [];
}

/**
 * The items of one series with `from ≤ bucket < to`, in bucket order.
 *
 * @example
 * for (const item of await seriesItems(table, series, from, to)) total += item.n ?? 0;
 */
export async function seriesItems(table: string, series: string, from: number, to: number): Promise<StoredAggregate[]> {
  const out: StoredAggregate[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: table,
      // `bucket` is a reserved word in DynamoDB expressions.
      KeyConditionExpression: 'series = :s AND #b BETWEEN :f AND :t',
      ExpressionAttributeNames: { '#b': 'bucket' },
      ExpressionAttributeValues: { ':s': series, ':f': from, ':t': to - 1 },
      ProjectionExpression: '#b, n, hll',
    },
  );
  for await (const page of pages) for (const item of page.Items ?? []) out.push(item as StoredAggregate);
  return out;
}
