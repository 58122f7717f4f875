import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { putRecordsWithRetry } from '../../core/streams/putRecords.js';
import { dynamo } from '../../core/aws/clients.js';
import { kinesis } from '../../core/aws/kinesis.js';
import type { StreamRecord } from '../../core/events/schema.js';
import { getProfiles } from '../../core/store/profiles.js';
import { processBatch } from '../../core/tagging/processBatch.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { profileEngineTables } from '../../core/tagging/tables.js';
import { gql, useTestStack, waitFor } from '../support/stack.js';
import { record } from '../support/streamRecords.js';

const stack = useTestStack();

function order(userId: string, n: number, day: number): StreamRecord['event'] {
  return {
    type: 'track',
    event: 'order_completed',
    eventId: `${userId}-order-${n}`,
    userId,
    timestamp: new Date(Date.UTC(2026, 9, day, 10)).toISOString(),
    properties: { orderId: `${userId}-${n}`, revenue: 100 + n, products: [{ category: 'Garden', price: 10, quantity: 1 }] },
  };
}

/** Counts UpdateItem calls per profile key on the shared (real) client. */
function countProfileWrites(): { counts: Map<string, number>; stop: () => void } {
  const counts = new Map<string, number>();
  const name = `count-writes-${Math.random()}`;
  dynamo().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { TableName?: string; Key?: { userId?: string } };
      if (context.commandName === 'UpdateItemCommand' && input.TableName === process.env.PROFILES_TABLE) {
        const key = String((input.Key?.userId as { S?: string } | undefined)?.S ?? input.Key?.userId);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { counts, stop: () => dynamo().middlewareStack.remove(name) };
}

const snapshot = async (ids: string[]) => {
  const found = await getProfiles(process.env.PROFILES_TABLE!, ids);
  return ids.map((id) => found.get(id)?.profile);
};

describe('exactly-once effects on at-least-once delivery', () => {
  it('leaves profiles identical after redelivery, an earlier checkpoint and the same batch three times', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const batch = [1, 2, 3, 4, 5, 6].flatMap((n) => [record(order('eo-a', n, n)), record(order('eo-b', n, n + 1))]);

    const writes = countProfileWrites();
    const first = await processBatch(batch, tables, rules);
    writes.stop();
    assert.deepEqual(first.failed, []);
    // Twelve events of two users: one write per user.
    assert.deepEqual(Object.fromEntries(writes.counts), { 'eo-a': 1, 'eo-b': 1 });
    const once = await snapshot(['eo-a', 'eo-b']);
    assert.equal(once[0]!.orders.count, 6);

    await processBatch(batch, tables, rules);
    await processBatch(batch, tables, rules);
    await processBatch(batch.slice(5), tables, rules); // a retry from an earlier checkpoint
    assert.deepEqual(await snapshot(['eo-a', 'eo-b']), once);

    // The same events re-sent by a client get new sequence numbers; their event ids still dedup them.
    const resent = batch.map((r) => record(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).event));
    await processBatch(resent, tables, rules);
    assert.deepEqual(await snapshot(['eo-a', 'eo-b']), once);
  });

  it('writes at most one profile per user per batch on a skewed workload', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const users = ['z1', 'z1', 'z1', 'z1', 'z2', 'z2', 'z3', 'z1', 'z4', 'z2'];
    const batch = users.map((u, i) => record(order(u, i, 1 + i)));
    const writes = countProfileWrites();
    const result = await processBatch(batch, tables, rules);
    writes.stop();
    assert.equal(result.profilesWritten, 4);
    for (const [user, n] of writes.counts) assert.equal(n, 1, `${user} written ${n} times`);
  });

  it('gives the same profile for events in and out of order', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const events = (u: string) => [1, 2, 3, 4, 5].map((n) => order(u, n, n * 3));
    await processBatch(events('ord-in').map((e) => record(e)), tables, rules);
    const shuffled = events('ord-out');
    await processBatch([shuffled[3]!, shuffled[0]!].map((e) => record(e)), tables, rules);
    await processBatch([shuffled[4]!, shuffled[2]!, shuffled[1]!].map((e) => record(e)), tables, rules);
    const [a, b] = await snapshot(['ord-in', 'ord-out']);
    const comparable = (p: NonNullable<typeof a>) => ({
      ...p,
      userId: null,
      dedup: null,
      recent: p.recent.map((e) => e.timestamp),
      interests: Object.fromEntries(Object.entries(p.interests).map(([k, v]) => [k, { at: v.at, score: v.score.toFixed(4) }])),
      identities: p.identities.map((i) => i.kind),
      // `since` is the event time of the batch that first saw the tag, so it depends on how events were batched.
      tags: Object.keys(p.tags).sort(),
      segments: Object.keys(p.segments).sort(),
    });
    assert.deepEqual(comparable(b!), comparable(a!));
  });

  it('sends a poison record to the on-failure destination after bounded retries and processes the records behind it', async () => {
    const stream = process.env.EVENTS_STREAM!;
    const good = (n: number): StreamRecord => ({
      v: 1,
      receivedAt: '2026-11-23T00:00:00.000Z',
      source: 'test',
      event: { type: 'track', event: 'login', eventId: `poison-test-${n}`, userId: 'behind-poison', timestamp: `2026-11-2${n}T00:00:00.000Z` },
    });
    await kinesis().send(
      new PutRecordsCommand({
        StreamName: stream,
        Records: [
          { PartitionKey: 'behind-poison', Data: Buffer.from('{"this is": not json') },
          { PartitionKey: 'behind-poison', Data: Buffer.from(JSON.stringify(good(1))) },
          { PartitionKey: 'behind-poison', Data: Buffer.from(JSON.stringify(good(2))) },
        ],
      }),
    );
    const user = await waitFor(async () => {
      const r = await gql(stack, '{ user(id: "behind-poison") { stats { lastSeenAt } events { edges { node { eventId } } } } }');
      return r.json.data?.user?.events.edges.length === 2 ? r.json.data.user : null;
    }, 'records behind the poison record');
    assert.equal(user.stats.lastSeenAt, '2026-11-22T00:00:00.000Z');
    const letters = await waitFor(async () => {
      const l = await stack.deadLetters.get('tagger')!.list();
      return l.length > 0 ? l : null;
    }, 'dead letter');
    assert.equal(letters.length, 1);
    assert.equal(letters[0]!.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(letters[0]!.KinesisBatchInfo.batchSize, 1, 'bisect narrows the failure to the poison record');
    assert.equal(letters[0]!.requestContext.approximateInvokeCount, 4, 'first attempt plus three retries');
  });

  it('retries only the records Kinesis throttled, and stores each once', async () => {
    const stream = process.env.CHANGES_STREAM!;
    let calls = 0;
    // Fault injection on the real client: the first PutRecords stores only its first half and reports the rest
    // as throttled, as Kinesis does when a shard is over its limit.
    kinesis().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutRecordsCommand') return next(args);
        calls++;
        if (calls > 1) return next(args);
        const input = args.input as { Records: unknown[] };
        const half = Math.floor(input.Records.length / 2);
        const rest = input.Records.length - half;
        const result = await next({ ...args, input: { ...input, Records: input.Records.slice(0, half) } });
        const output = result.output as PutRecordsCommandOutput;
        output.Records = [
          ...(output.Records ?? []),
          ...Array.from({ length: rest }, () => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded' })),
        ];
        output.FailedRecordCount = rest;
        return result;
      },
      { step: 'initialize', name: 'throttle-once' },
    );
    const marker = `throttle-${Date.now()}`;
    const entries = Array.from({ length: 10 }, (_, i) => ({ PartitionKey: marker, Data: Buffer.from(`${marker}-${i}`) }));
    const outcome = await putRecordsWithRetry(stream, entries);
    kinesis().middlewareStack.remove('throttle-once');
    assert.equal(calls, 2);
    assert.deepEqual(outcome.failed, []);
    assert.deepEqual([...outcome.stored].sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const seen: string[] = [];
    for (const shard of (await kinesis().send(new ListShardsCommand({ StreamName: stream }))).Shards ?? []) {
      const it = await kinesis().send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      const res = await kinesis().send(new GetRecordsCommand({ ShardIterator: it.ShardIterator!, Limit: 10_000 }));
      for (const r of res.Records ?? []) {
        const text = Buffer.from(r.Data!).toString();
        if (text.startsWith(marker)) seen.push(text);
      }
    }
    assert.deepEqual(seen.sort(), entries.map((e) => e.Data.toString()).sort());
  });
});
