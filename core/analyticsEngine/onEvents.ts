import type { KinesisStreamRecord } from 'aws-lambda';
import { actorId, aggregateEvents, type AggregateGranularity, type AggregateResult, type BucketKey, type Dimension, type NewUserHint } from '../analytics/aggregate.js';
import { HyperLogLog } from '../analytics/hll.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import { compareSequence } from '../profile/fold.js';
import { decodeAll, type Decoded } from '../tagging/decode.js';
import { route } from '../tagging/route.js';
import { claimEvent } from './store/eventClaims.js';
import { refusedConsent } from '../store/consent.js';
import { putFirstSeen } from './store/firstSeen.js';
import { addIndexValues, addToCounter, aggregateItemKey, getAggregates, putSketch, watermarkAttribute, type AggregateKey, type StoredAggregate } from './store/aggregates.js';
import { currenciesIndexKey, firstSeenKey, seriesKey, valuesIndexKey, type StoredMetric } from './series.js';

export interface AggregatorBatchResult {
  failed: string[];
  /** Items written (counters and sketches). */
  writes: number;
  events: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const WRITE_CONCURRENCY = 16;
const SKETCH_ATTEMPTS = 5;

/** A counter increment addressed to its item. */
interface Increment {
  key: AggregateKey;
  metric: StoredMetric;
  dimension: Dimension;
  value: string | null;
  currency?: string;
  amount: number;
}

const keyOf = (metric: StoredMetric, k: BucketKey, currency?: string): AggregateKey => ({
  series: seriesKey(metric, k.granularity, k.dimension, k.value, currency),
  bucket: k.bucket,
});

function increments(result: AggregateResult): Increment[] {
  return result.counters.map((c) => ({ key: keyOf(c.metric, c, c.currency), metric: c.metric, dimension: c.dimension, value: c.value, currency: c.currency, amount: c.amount }));
}

/** NEW_USERS increments for the users first seen in this batch: their first event's hour and day, by ALL, CHANNEL, COUNTRY. */
function newUserIncrements(users: readonly NewUserHint[]): Increment[] {
  const byKey = new Map<string, Increment>();
  for (const u of users) {
    for (const [granularity, size] of [['HOUR', HOUR], ['DAY', DAY]] as Array<[AggregateGranularity, number]>) {
      const bucket = Math.floor(u.firstAt / size) * size;
      for (const [dimension, value] of [['ALL', null], ['CHANNEL', u.channel], ['COUNTRY', u.country]] as Array<[Dimension, string | null]>) {
        const key = keyOf('NEW_USERS', { granularity, bucket, dimension, value });
        const id = aggregateItemKey(key);
        const inc = byKey.get(id) ?? { key, metric: 'NEW_USERS', dimension, value, amount: 0 };
        inc.amount++;
        byKey.set(id, inc);
      }
    }
  }
  return [...byKey.values()];
}

/**
 * The aggregator's use case on the `events` stream (one shard per batch, as Lambda delivers them): folds the batch
 * into coalesced deltas (`core/analytics/aggregate.ts`, event-time HOUR and DAY buckets), then writes one update per
 * touched item (docs/architecture.md, "Analytics").
 *
 * Exactly once under redelivery: each counter item keeps the last sequence number of every shard that wrote it.
 * The batch reads those first; an item a previous attempt of this batch already reached gets only the records
 * after its watermark. Sketches merge by register maxima, so applying one twice changes nothing. A lost race
 * fails the batch, and the retry is absorbed the same way.
 *
 * @example
 * const { failed } = await processAggregates({ table: tables.aggregates, identities }, event.Records);
 */
export async function processAggregates(
  ctx: { table: string; identities: string; consent: string },
  records: readonly KinesisStreamRecord[],
): Promise<AggregatorBatchResult> {
  const { decoded: all, failed } = decodeAll(records);
  const result: AggregatorBatchResult = { failed, writes: 0, events: 0 };
  if (all.length === 0) return result;
  // A client's resend is a second record with the same event id: only the record that claims the id counts.
  const claimed = new Set<Decoded>();
  const ids = new Set<string>();
  const firstOfId = all.filter((d) => !ids.has(d.event.eventId) && ids.add(d.event.eventId));
  await forEachLimit(firstOfId, WRITE_CONCURRENCY, async (d) => {
    if (await claimEvent(ctx.table, d.event.eventId, d.position, Date.now())) claimed.add(d);
  });
  result.writes += firstOfId.length;
  const decoded = all.filter((d) => claimed.has(d));
  if (decoded.length === 0) return result;
  const shardId = all[0]!.position.shardId;
  const last = all.at(-1)!.position.sequenceNumber;
  const canonical = new Map<string, string>();
  for (const g of await route(decoded, ctx.identities)) for (const item of g.items) canonical.set(item.event.eventId, g.userId);
  const actors = decoded.map((d) => actorId(d.event, canonical.get(d.event.eventId)));
  const excludedUsers = await refusedConsent(ctx.consent, actors.filter((a): a is string => a !== null), 'analytics');
  const fold = (items: readonly Decoded[]) =>
    aggregateEvents(items.map((d) => d.event), { canonicalUserId: (e) => canonical.get(e.eventId), excludedUsers });
  const full = fold(decoded);
  result.events = full.events;

  // First-seen users: the put that wins (or an earlier attempt of this very record) counts them as new.
  const won: NewUserHint[] = [];
  await forEachLimit(full.newUsers, WRITE_CONCURRENCY, async (u) => {
    if (await putFirstSeen(ctx.table, firstSeenKey(u.userId), u)) won.push(u);
  });
  const seqOf = new Map(decoded.map((d) => [d.event.eventId, d.position.sequenceNumber]));
  const countersOf = (r: AggregateResult, users: readonly NewUserHint[]) => [...increments(r), ...newUserIncrements(users)];
  const counters = countersOf(full, won);

  const stored = await getAggregates(ctx.table, [...counters.map((c) => c.key), ...full.sketches.map((s) => keyOf(s.metric, s))]);
  const wmOf = (item: StoredAggregate | undefined) => item?.[watermarkAttribute(shardId)];
  // Items an earlier attempt already reached: their increments again from the records after their watermark only.
  const partial = new Map<string, Map<string, Increment>>();
  const incrementAfter = (watermark: string, key: AggregateKey): number => {
    let byKey = partial.get(watermark);
    if (!byKey) {
      const after = (seq: string | undefined) => seq !== undefined && compareSequence(seq, watermark) > 0;
      const rest = decoded.filter((d) => after(d.position.sequenceNumber));
      byKey = new Map(countersOf(fold(rest), won.filter((u) => after(seqOf.get(u.eventId)))).map((i) => [aggregateItemKey(i.key), i]));
      partial.set(watermark, byKey);
    }
    return byKey.get(aggregateItemKey(key))?.amount ?? 0;
  };

  // Indexes first: a reader that sees a group's counters must be able to list the group.
  await writeIndexes(ctx.table, counters, full);
  let lost = false;
  await forEachLimit(counters, WRITE_CONCURRENCY, async (c) => {
    const seen = wmOf(stored.get(aggregateItemKey(c.key)));
    if (seen !== undefined && compareSequence(seen, last) >= 0) return; // applied whole by an earlier attempt
    const amount = seen === undefined ? c.amount : incrementAfter(seen, c.key);
    if (await addToCounter(ctx.table, c.key, amount, shardId, seen, last)) result.writes++;
    else lost = true;
  });
  await forEachLimit(full.sketches, WRITE_CONCURRENCY, async (s) => {
    const key = keyOf(s.metric, s);
    let item = stored.get(aggregateItemKey(key));
    for (let attempt = 0; attempt < SKETCH_ATTEMPTS; attempt++) {
      const merged = item?.hll ? HyperLogLog.fromBuffer(item.hll).merge(s.sketch) : s.sketch;
      if (await putSketch(ctx.table, key, merged.toBuffer(), item?.v)) {
        result.writes++;
        return;
      }
      item = (await getAggregates(ctx.table, [key])).get(aggregateItemKey(key));
    }
    lost = true;
  });
  if (lost) for (const d of all) result.failed.push(d.record.kinesis.sequenceNumber);
  return result;
}

/** Records the dimension values and currencies seen, so reads can list a metric's groups. */
async function writeIndexes(table: string, counters: readonly Increment[], full: AggregateResult): Promise<void> {
  const values = new Map<string, { key: AggregateKey; vals: Set<string> }>();
  const add = (key: AggregateKey, v: string) => {
    const id = aggregateItemKey(key);
    const entry = values.get(id) ?? { key, vals: new Set<string>() };
    entry.vals.add(v);
    values.set(id, entry);
  };
  for (const c of counters) {
    if (c.dimension !== 'ALL') add(valuesIndexKey(c.metric, c.dimension), JSON.stringify(c.value));
    if (c.currency) add(currenciesIndexKey(c.metric), c.currency);
  }
  for (const s of full.sketches) if (s.dimension !== 'ALL') add(valuesIndexKey(s.metric, s.dimension), JSON.stringify(s.value));
  await forEachLimit([...values.values()], WRITE_CONCURRENCY, (e) => addIndexValues(table, e.key, [...e.vals]));
}
