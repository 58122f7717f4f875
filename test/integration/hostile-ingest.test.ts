import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { kinesis } from '../../core/aws/kinesis.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { gql, useTestStack, track, waitFor } from '../support/stack.js';

/*
 * Hostile input through the running stack (HTTP server → ingest handler → real kinesalite → tagger → dynalite →
 * gateway). Every request mixes bad items with valid ones: the bad ones are rejected with their own code, the
 * valid ones are stored, and the stack keeps working afterwards.
 */

const stack = useTestStack();

async function post(body: unknown): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(stack.ingestUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: the assertion on it says so */
  }
  return { status: res.status, headers: res.headers, json };
}

const EVENTS_QUERY = `query($id: ID!) { user(id: $id) { stats { orders revenue } events(first: 50) { edges { node { eventId event timestamp properties } } } } }`;

/** The user's events once `n` of them are visible through the gateway. */
async function storedEvents(userId: string, n: number): Promise<Array<{ eventId: string; event: string; timestamp: string; properties: any }>> {
  const user = await waitFor(async () => {
    const r = await gql(stack, EVENTS_QUERY, { id: userId });
    const u = r.json.data?.user;
    return u && u.events.edges.length >= n ? u : null;
  }, `${n} events of ${userId}`);
  return user.events.edges.map((e: { node: unknown }) => e.node);
}

const codes = (json: any) => json.rejected.map((r: { index: number; code: string }) => [r.index, r.code]);

/** A port nothing listens on: connections to it are refused, as with a Kinesis endpoint that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Sends the ingest handler's PutRecords calls (to the events stream only) to a closed port until `restore()`. */
function takeKinesisDown(port: number): { calls: () => number; restore: () => void } {
  const name = `kinesis-down-${Math.random()}`;
  let calls = 0;
  kinesis().middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { StreamName?: string };
      if (context.commandName === 'PutRecordsCommand' && input.StreamName === process.env.EVENTS_STREAM) {
        calls++;
        (args.request as { port?: number }).port = port; // the SDK's HttpRequest
      }
      return next(args);
    },
    { step: 'finalizeRequest', name },
  );
  return { calls: () => calls, restore: () => kinesis().middlewareStack.remove(name) };
}

describe('hostile ingest: each bad item rejected alone, never a 500', () => {
  it('rejects properties nested 6,000 levels deep with TOO_DEEP and stores the valid event beside it', async () => {
    // Written as text: JSON.stringify itself overflows on such a value (which is the bug).
    const deep = `{"a":${'['.repeat(6_000)}true${']'.repeat(6_000)}}`;
    const body = `{"events":[${JSON.stringify(track('h-deep', 'share', '2026-11-20T10:00:00Z')).replace('"properties":{}', `"properties":${deep}`)},${JSON.stringify(track('h-deep', 'login', '2026-11-20T10:01:00Z'))}]}`;
    assert.ok(body.length < 32 * 1024, 'under the per-event limit');
    const res = await post(body);
    assert.equal(res.status, 200, JSON.stringify(res.json).slice(0, 300));
    assert.equal(res.json.accepted, 1);
    assert.deepEqual(codes(res.json), [[0, 'TOO_DEEP']]);
    assert.ok(res.json.rejected[0].message.length < 400, 'the message stays small');
    const events = await storedEvents('h-deep', 1);
    assert.deepEqual(events.map((e) => e.event), ['login']);
  });

  it('rejects huge arrays (ARRAY_TOO_LONG) and too many keys (TOO_MANY_KEYS) per item', async () => {
    const wide = Object.fromEntries(Array.from({ length: 1_200 }, (_, i) => [`k${i}`, 1]));
    const res = await post({
      events: [
        track('h-arr', 'share', '2026-11-20T10:00:00Z', { to: new Array(10_000).fill(0) }),
        track('h-arr', 'order_completed', '2026-11-20T10:01:00Z', { orderId: 'h-arr-1', revenue: 5, products: Array.from({ length: 1_001 }, () => ({})) }),
        track('h-arr', 'share', '2026-11-20T10:02:00Z', wide),
        track('h-arr', 'order_completed', '2026-11-20T10:03:00Z', { orderId: 'h-arr-2', revenue: 7, products: [{ category: 'Garden', price: 7, quantity: 1 }] }),
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(codes(res.json), [[0, 'ARRAY_TOO_LONG'], [1, 'ARRAY_TOO_LONG'], [2, 'TOO_MANY_KEYS']]);
    assert.equal(res.json.accepted, 1);
    const events = await storedEvents('h-arr', 1);
    assert.deepEqual(events.map((e) => e.properties.orderId), ['h-arr-2']);
  });

  it('rejects impossible calendar dates with BAD_TIMESTAMP instead of moving them to March', async () => {
    const res = await post({
      events: [
        track('h-date', 'login', '2026-02-30T10:00:00Z'),
        track('h-date', 'login', '2026-13-01T10:00:00Z'),
        track('h-date', 'login', '2026-01-01T24:00:01Z'),
        track('h-date', 'login', '2025-02-29T10:00:00Z'),
        track('h-date', 'login', '2024-02-29T10:00:00+01:00'),
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(codes(res.json), [[0, 'BAD_TIMESTAMP'], [1, 'BAD_TIMESTAMP'], [2, 'BAD_TIMESTAMP'], [3, 'BAD_TIMESTAMP']]);
    const events = await storedEvents('h-date', 1);
    assert.deepEqual(events.map((e) => e.timestamp), ['2024-02-29T09:00:00.000Z']);
  });

  it('rejects a second, different event under a used eventId (DUPLICATE_EVENT_ID); an exact copy counts once', async () => {
    const first = track('h-dup', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'h-dup-1', revenue: 100 }, { eventId: 'h-dup-e1' });
    const conflicting = track('h-dup', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'h-dup-1', revenue: 999 }, { eventId: 'h-dup-e1' });
    const copy = { ...first, properties: { revenue: 100, orderId: 'h-dup-1' } };
    const other = track('h-dup', 'order_completed', '2026-11-20T11:00:00Z', { orderId: 'h-dup-2', revenue: 1 }, { eventId: 'h-dup-e2' });
    const res = await post({ events: [first, conflicting, copy, other] });
    assert.equal(res.status, 200);
    assert.deepEqual(codes(res.json), [[1, 'DUPLICATE_EVENT_ID']]);
    assert.equal(res.json.accepted, 3);
    const user = await waitFor(async () => {
      const r = await gql(stack, EVENTS_QUERY, { id: 'h-dup' });
      return r.json.data?.user?.stats.orders === 2 ? r.json.data.user : null;
    }, 'two orders of h-dup');
    assert.equal(user.stats.revenue, 101, 'the first event under h-dup-e1 is the one kept');
  });

  it('answers 503 + Retry-After with the per-item outcome when Kinesis is down, and the resend succeeds', async () => {
    const down = takeKinesisDown(await closedPort());
    const events = [
      track('h-down', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'h-down-1', revenue: 10 }),
      track('h-down', 'login', '2026-02-30T10:00:00Z'),
      track('h-down', 'order_completed', '2026-11-20T10:05:00Z', { orderId: 'h-down-2', revenue: 20 }),
    ];
    const started = Date.now();
    let res;
    try {
      res = await post({ events });
    } finally {
      down.restore();
    }
    const took = Date.now() - started;
    assert.equal(res.status, 503, JSON.stringify(res.json));
    assert.ok(Number(res.headers.get('retry-after')) >= 1, `retry-after: ${res.headers.get('retry-after')}`);
    assert.equal(res.json.accepted, 0);
    assert.deepEqual(codes(res.json), [[0, 'STREAM_UNAVAILABLE'], [1, 'BAD_TIMESTAMP'], [2, 'STREAM_UNAVAILABLE']]);
    assert.doesNotMatch(JSON.stringify(res.json), /127\.0\.0\.1|ECONNREFUSED|arn:|stack/i, 'no internals in the answer');
    assert.ok(down.calls() >= 2, 'retried');
    assert.ok(took < FUNCTIONS.ingest.timeoutSeconds * 1000, `answered within the function timeout (${took} ms)`);

    // Kinesis is back: the client resends what was not stored (as a Segment-style client does after a 5xx).
    const resend = await post({ events: [events[0], events[2]] });
    assert.equal(resend.status, 200);
    assert.deepEqual(resend.json, { accepted: 2, rejected: [] });
    const user = await waitFor(async () => {
      const r = await gql(stack, EVENTS_QUERY, { id: 'h-down' });
      return r.json.data?.user?.stats.orders === 2 ? r.json.data.user : null;
    }, 'the resent orders of h-down');
    assert.equal(user.stats.revenue, 30);
  });

  it('retries records Kinesis throttles; what stays throttled is 503 STREAM_UNAVAILABLE, the rest is stored', async () => {
    // Fault injection on the real client, as Kinesis answers a shard over its limit: the records of user
    // h-hot are reported throttled (ProvisionedThroughputExceededException per record, FailedRecordCount), the
    // others go through to kinesalite. `transient` throttles only the first call.
    const throttle = (transient: boolean) => {
      const name = `throttle-${Math.random()}`;
      let calls = 0;
      kinesis().middlewareStack.add(
        (next, context) => async (args) => {
          const input = args.input as { StreamName?: string; Records: Array<{ PartitionKey: string }> };
          if (context.commandName !== 'PutRecordsCommand' || input.StreamName !== process.env.EVENTS_STREAM) return next(args);
          calls++;
          if (transient && calls > 1) return next(args);
          const hot = input.Records.map((r) => r.PartitionKey === 'h-hot');
          const cool = input.Records.filter((_, i) => !hot[i]);
          // A call of only throttled records never reaches kinesalite (it refuses an empty PutRecords).
          const result = cool.length
            ? await next({ ...args, input: { ...input, Records: cool } })
            : { response: {}, output: { $metadata: {}, Records: [] } as PutRecordsCommandOutput };
          const output = result.output as PutRecordsCommandOutput;
          const passed = [...(output.Records ?? [])];
          output.Records = hot.map((h) => (h ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' } : passed.shift()!));
          output.FailedRecordCount = hot.filter(Boolean).length;
          return result;
        },
        { step: 'initialize', name },
      );
      return { calls: () => calls, restore: () => kinesis().middlewareStack.remove(name) };
    };

    const once = throttle(true);
    const first = await post({
      events: [track('h-hot', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'h-hot-1', revenue: 1 }), track('h-cool', 'login', '2026-11-20T10:00:00Z')],
    }).finally(once.restore);
    assert.equal(once.calls(), 2, 'the throttled record was resent alone');
    assert.deepEqual(first.json, { accepted: 2, rejected: [] });

    const always = throttle(false);
    const second = await post({
      events: [
        track('h-cool', 'login', '2026-11-20T11:00:00Z'),
        track('h-hot', 'order_completed', '2026-11-20T11:00:00Z', { orderId: 'h-hot-2', revenue: 2 }),
        track('h-cool', 'app_opened', '2026-11-20T11:01:00Z'),
      ],
    }).finally(always.restore);
    assert.ok(always.calls() >= 3, `retried with backoff (${always.calls()} calls)`);
    assert.equal(second.status, 503);
    assert.ok(Number(second.headers.get('retry-after')) >= 1);
    assert.equal(second.json.accepted, 2);
    assert.deepEqual(codes(second.json), [[1, 'STREAM_UNAVAILABLE']]);
    const cool = await storedEvents('h-cool', 3);
    assert.deepEqual(cool.map((e) => e.event).sort(), ['app_opened', 'login', 'login']);
  });

  it('answers JSON, never a 500, for bodies that are not what the contract expects', async () => {
    for (const body of ['{"events": [', '[]', 'null', '{"events": {"0": {}}}', '{"events": [null, 1, "x", [], {}]}', `{"events": [${'['.repeat(100_000)}${']'.repeat(100_000)}]}`]) {
      const res = await post(body);
      assert.ok(res.status === 400 || res.status === 200, `${body.slice(0, 40)} → ${res.status}`);
      assert.equal(typeof res.json, 'object', body.slice(0, 40));
    }
  });

  it('refuses two million tiny items whole (413), instead of answering 255 MB of per-item rejections', async () => {
    const body = `{"events":[${new Array(2_000_000).fill('0').join(',')}]}`;
    const res = await post(body);
    assert.equal(res.status, 413);
    assert.deepEqual(codes(res.json), [[-1, 'TOO_MANY_EVENTS']]);
    assert.ok(JSON.stringify(res.json).length < 1_000);
  });

  it('keeps working: an ordinary request afterwards is stored and visible', async () => {
    const res = await post({ events: [track('h-after', 'order_completed', '2026-11-21T10:00:00Z', { orderId: 'h-after-1', revenue: 42 })] });
    assert.deepEqual(res.json, { accepted: 1, rejected: [] });
    const user = await waitFor(async () => {
      const r = await gql(stack, EVENTS_QUERY, { id: 'h-after' });
      return r.json.data?.user?.stats.orders === 1 ? r.json.data.user : null;
    }, 'h-after');
    assert.equal(user.stats.revenue, 42);
  });
});
