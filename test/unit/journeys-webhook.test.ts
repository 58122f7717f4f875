/** Webhook delivery against a real loopback receiver: signing, retry policy, timeouts, redirects, the deadline. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deliverWebhook, signWebhook, verifyWebhook, type WebhookRequest } from '../../core/journeyEngine/webhook.js';

const SECRET = 'whsec_loopback_test';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  method: string | undefined;
}

interface Receiver {
  url: string;
  received: Received[];
}

const servers: Server[] = [];
after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A loopback receiver on 127.0.0.1; `respond` gets each request's 0-based index and what was received. */
async function receiver(respond: (res: ServerResponse, n: number, got: Received) => void): Promise<Receiver> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const got = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), method: req.method };
      received.push(got);
      respond(res, received.length - 1, got);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const answer = (status: number, headers: Record<string, string> = {}, body = '') => (res: ServerResponse) => {
  res.writeHead(status, headers);
  res.end(body);
};

const request = (url: string, extra: Partial<WebhookRequest> = {}): WebhookRequest => ({
  url,
  body: { reason: 'payment_failed', priority: 'high', note: 'café ☕' },
  idempotencyKey: 'c1:1:e-abc:hook',
  secret: SECRET,
  ...extra,
});

const noSleep = async () => {};
/** A sleep that records what it was asked for and returns at once. */
function recordingSleep() {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

describe('deliverWebhook against a loopback receiver', () => {
  it('delivers on the first try with the signed headers the receiver can verify', async () => {
    const r = await receiver((res, _n, got) => {
      const ok = verifyWebhook(SECRET, got.headers['x-opsgraph-timestamp'] as string, got.body, got.headers['x-opsgraph-signature'] as string, Date.now());
      res.writeHead(ok ? 204 : 401).end();
    });
    const result = await deliverWebhook(request(r.url));
    assert.deepEqual(result, { status: 'DELIVERED', attempts: 1, httpStatus: 204, detail: 'delivered' });
    assert.equal(r.received.length, 1);
    const got = r.received[0]!;
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['idempotency-key'], 'c1:1:e-abc:hook');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers['user-agent'], 'opsgraph-webhooks/1');
    assert.deepEqual(JSON.parse(got.body), { reason: 'payment_failed', priority: 'high', note: 'café ☕' });
    const ts = got.headers['x-opsgraph-timestamp'] as string;
    assert.match(ts, /^\d+$/);
    assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 5, 'timestamp is unix seconds, now');
    assert.equal(got.headers['x-opsgraph-signature'], `v1=${signWebhook(SECRET, ts, got.body)}`);
  });

  it('retries 503 twice then delivers on the third attempt, with the same key and a valid signature each time', async () => {
    const r = await receiver((res, n) => answer(n < 2 ? 503 : 200, {}, n < 2 ? 'busy' : 'ok')(res));
    const result = await deliverWebhook(request(r.url), { sleep: noSleep });
    assert.deepEqual(result, { status: 'DELIVERED', attempts: 3, httpStatus: 200, detail: 'delivered' });
    assert.equal(r.received.length, 3);
    for (const got of r.received) {
      assert.equal(got.headers['idempotency-key'], 'c1:1:e-abc:hook');
      assert.ok(verifyWebhook(SECRET, got.headers['x-opsgraph-timestamp'] as string, got.body, got.headers['x-opsgraph-signature'] as string, Date.now()));
    }
  });

  it('fails at once on a 400: the receiver rejected it, repeating will not help', async () => {
    const r = await receiver(answer(400, { 'content-type': 'application/json' }, '{"error":"unknown field"}'));
    const { sleep, delays } = recordingSleep();
    const result = await deliverWebhook(request(r.url), { sleep });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.attempts, 1);
    assert.equal(result.httpStatus, 400);
    assert.equal(result.detail, 'HTTP 400: {"error":"unknown field"}');
    assert.equal(r.received.length, 1);
    assert.deepEqual(delays, []);
  });

  for (const status of [404, 410, 422]) {
    it(`does not retry a ${status}`, async () => {
      const r = await receiver(answer(status));
      const result = await deliverWebhook(request(r.url), { sleep: noSleep });
      assert.deepEqual([result.status, result.attempts, result.httpStatus, r.received.length], ['FAILED', 1, status, 1]);
    });
  }

  for (const status of [408, 425, 429, 502]) {
    it(`retries a ${status}`, async () => {
      const r = await receiver((res, n) => answer(n === 0 ? status : 200)(res));
      const result = await deliverWebhook(request(r.url), { sleep: noSleep });
      assert.deepEqual([result.status, result.attempts, r.received.length], ['DELIVERED', 2, 2]);
    });
  }

  it('fails after `attempts` when the receiver always answers 500, with exponential jittered backoff in between', async () => {
    const r = await receiver(answer(500, {}, 'Internal\n  Server   Error'));
    const { sleep, delays } = recordingSleep();
    const result = await deliverWebhook(request(r.url), { attempts: 5, baseDelayMs: 200, sleep });
    assert.deepEqual(result, { status: 'FAILED', attempts: 5, httpStatus: 500, detail: 'HTTP 500: Internal Server Error' });
    assert.equal(r.received.length, 5);
    assert.equal(delays.length, 4, 'a pause between attempts, none after the last');
    delays.forEach((d, i) => {
      const nominal = 200 * 2 ** i;
      assert.ok(d >= nominal * 0.5 && d <= nominal * 1.5, `delay ${i} = ${d} within jitter of ${nominal}`);
    });
  });

  it('caps the backoff at 5 s', async () => {
    const r = await receiver(answer(500));
    const { sleep, delays } = recordingSleep();
    await deliverWebhook(request(r.url), { attempts: 4, baseDelayMs: 4_000, sleep });
    assert.equal(delays.length, 3);
    assert.ok(delays.every((d) => d <= 5_000), `${delays} <= 5000`);
    assert.ok(delays[2]! >= 2_500);
  });

  it('uses the default of 4 attempts', async () => {
    const r = await receiver(answer(503));
    const result = await deliverWebhook(request(r.url), { sleep: noSleep });
    assert.deepEqual([result.status, result.attempts, r.received.length], ['FAILED', 4, 4]);
  });

  it('times out a receiver that never answers', async () => {
    const r = await receiver(() => {
      // Never answers: the request hangs until the client gives up.
    });
    const started = Date.now();
    const result = await deliverWebhook(request(r.url), { attempts: 2, timeoutMs: 100, sleep: noSleep });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.attempts, 2);
    assert.equal(result.httpStatus, undefined);
    assert.match(result.detail, /timed out after 100 ms/);
    assert.equal(r.received.length, 2);
    assert.ok(Date.now() - started < 3_000);
  });

  it('times out a body that never ends, and still reports the status', async () => {
    const r = await receiver((res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const result = await deliverWebhook(request(r.url), { attempts: 1, timeoutMs: 150 });
    assert.deepEqual([result.status, result.attempts, result.httpStatus], ['FAILED', 1, 503]);
  });

  it('bounds the running attempt by the deadline, not only by timeoutMs', async () => {
    const r = await receiver(() => {});
    const started = Date.now();
    const result = await deliverWebhook(request(r.url), { timeoutMs: 10_000, deadline: started + 200, sleep: noSleep });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.attempts, 1);
    assert.match(result.detail, /timed out/);
    assert.ok(Date.now() - started < 2_000, 'stopped near the deadline');
  });

  it('does not follow a 302: FAILED, and the redirect target is never called', async () => {
    const target = await receiver(answer(200));
    const r = await receiver(answer(302, { location: target.url }, 'moved'));
    const result = await deliverWebhook(request(r.url), { sleep: noSleep });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.attempts, 1);
    assert.equal(result.httpStatus, 302);
    assert.match(result.detail, /redirect/);
    assert.ok(result.detail.includes(target.url));
    assert.equal(target.received.length, 0);
  });

  it('honours Retry-After on a 429 (seconds), without waiting for real', async () => {
    const r = await receiver((res, n) => answer(n === 0 ? 429 : 200, n === 0 ? { 'retry-after': '1' } : {})(res));
    const { sleep, delays } = recordingSleep();
    const result = await deliverWebhook(request(r.url), { sleep });
    assert.deepEqual([result.status, result.attempts], ['DELIVERED', 2]);
    assert.deepEqual(delays, [1_000]);
  });

  it('caps a long Retry-After at the maximum delay', async () => {
    const r = await receiver((res, n) => answer(n === 0 ? 429 : 200, n === 0 ? { 'retry-after': '3600' } : {})(res));
    const { sleep, delays } = recordingSleep();
    await deliverWebhook(request(r.url), { sleep });
    assert.deepEqual(delays, [5_000]);
  });

  it('stops retrying at the deadline', async () => {
    const r = await receiver(answer(429, { 'retry-after': '1' }));
    // A fake clock that only moves when the delivery sleeps: attempts at 0, 1000 and 2000 ms; the next would be
    // at 3000, past the deadline at 2500.
    let clock = 1_700_000_000_000;
    const start = clock;
    const delays: number[] = [];
    const result = await deliverWebhook(request(r.url), {
      attempts: 10,
      deadline: start + 2_500,
      now: () => clock,
      sleep: async (ms) => {
        delays.push(ms);
        clock += ms;
      },
    });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.attempts, 3);
    assert.equal(r.received.length, 3);
    assert.equal(result.httpStatus, 429);
    assert.match(result.detail, /^HTTP 429.*deadline/);
    assert.deepEqual(delays, [1_000, 1_000]);
    assert.deepEqual(r.received.map((g) => g.headers['x-opsgraph-timestamp']), ['1700000000', '1700000001', '1700000002'], 'signed afresh each attempt');
  });

  it('sends nothing when the deadline has already passed', async () => {
    const r = await receiver(answer(200));
    const result = await deliverWebhook(request(r.url), { deadline: Date.now() - 1 });
    assert.deepEqual(result, { status: 'FAILED', attempts: 0, detail: 'deadline passed before the first attempt' });
    assert.equal(r.received.length, 0);
  });

  it('retries a refused connection and reports the network error', async () => {
    // A port that was just free: nothing listens there now.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { sleep, delays } = recordingSleep();
    const result = await deliverWebhook(request(`http://127.0.0.1:${port}/hook`), { attempts: 3, sleep });
    assert.equal(result.status, 'FAILED');
    assert.equal(result.attempts, 3);
    assert.equal(result.httpStatus, undefined);
    assert.match(result.detail, /network error.*ECONNREFUSED/);
    assert.equal(delays.length, 2);
  });

  it('reads at most a little of a huge error body', async () => {
    const r = await receiver(answer(400, {}, 'x'.repeat(2_000_000)));
    const result = await deliverWebhook(request(r.url));
    assert.equal(result.status, 'FAILED');
    assert.ok(result.detail.length < 300, `detail is ${result.detail.length} characters`);
  });

  it('returns FAILED without a request (never throws) for a bad URL, secret, key or body', async () => {
    const r = await receiver(answer(200));
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const cases: Array<[Partial<WebhookRequest>, RegExp]> = [
      [{ url: 'file:///etc/passwd' }, /http: or https:/],
      [{ url: 'ftp://127.0.0.1/hook' }, /http: or https:/],
      [{ url: 'not a url' }, /invalid webhook URL/],
      [{ url: r.url.replace('http://', 'http://user:pass@') }, /credentials/],
      [{ secret: '' }, /secret/],
      [{ idempotencyKey: '' }, /idempotency key/],
      [{ idempotencyKey: 'a\r\nX-Injected: 1' }, /idempotency key/],
      [{ body: circular }, /JSON/],
      [{ body: { n: 1n } }, /JSON/],
    ];
    for (const [extra, detail] of cases) {
      const result = await deliverWebhook(request(extra.url ?? r.url, extra));
      assert.equal(result.status, 'FAILED', JSON.stringify(extra.url ?? extra.idempotencyKey));
      assert.equal(result.attempts, 0);
      assert.match(result.detail, detail);
    }
    const bad = await deliverWebhook(request(r.url), { attempts: 0 });
    assert.deepEqual([bad.status, bad.attempts], ['FAILED', 0]);
    assert.match(bad.detail, /attempts/);
    assert.equal(r.received.length, 0, 'nothing was sent');
  });
});

describe('verifyWebhook', () => {
  const body = '{"reason":"payment_failed"}';
  const nowMs = 1_700_000_100_000;
  const ts = '1700000000';
  const header = `v1=${signWebhook(SECRET, ts, body)}`;

  it('accepts the signature it was sent, within the tolerance', () => {
    assert.equal(verifyWebhook(SECRET, ts, body, header, nowMs), true);
    assert.equal(verifyWebhook(SECRET, ts, body, `v1=${'0'.repeat(64)}, ${header}`, nowMs), true, 'one matching v1 of several');
  });

  it('rejects a tampered body', () => {
    assert.equal(verifyWebhook(SECRET, ts, body.replace('payment_failed', 'refund_issued'), header, nowMs), false);
    assert.equal(verifyWebhook(SECRET, ts, `${body} `, header, nowMs), false);
  });

  it('rejects a wrong secret', () => {
    assert.equal(verifyWebhook('whsec_other', ts, body, header, nowMs), false);
  });

  it('rejects a stale or far-future timestamp, and a timestamp moved to look fresh', () => {
    assert.equal(verifyWebhook(SECRET, ts, body, header, Number(ts) * 1000 + 301_000), false, 'stale');
    assert.equal(verifyWebhook(SECRET, ts, body, header, Number(ts) * 1000 + 299_000), true, 'just fresh');
    assert.equal(verifyWebhook(SECRET, ts, body, header, Number(ts) * 1000 - 301_000), false, 'future');
    assert.equal(verifyWebhook(SECRET, ts, body, header, Number(ts) * 1000 + 60_000, 30), false, 'custom tolerance');
    const replayedTs = String(Number(ts) + 250);
    assert.equal(verifyWebhook(SECRET, replayedTs, body, header, Number(ts) * 1000 + 400_000), false, 'signature binds the timestamp');
  });

  it('rejects malformed headers without throwing', () => {
    for (const bad of [undefined, '', 'v1=', 'v0=' + header.slice(3), header.slice(0, -2), `${header}00`, 'v1=zz' + header.slice(5), header.toUpperCase().replace('V1', 'v2')]) {
      assert.equal(verifyWebhook(SECRET, ts, body, bad, nowMs), false, String(bad));
    }
    for (const badTs of [undefined, '', 'abc', '1700000000.5', '-1700000000']) {
      assert.equal(verifyWebhook(SECRET, badTs, body, header, nowMs), false, String(badTs));
    }
  });

  it('signs `${timestamp}.${body}` with HMAC-SHA256, hex', () => {
    // Known answer computed independently: printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac key
    assert.equal(signWebhook('key', '1700000000', '{"a":1}'), 'a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03');
    assert.notEqual(signWebhook('key', '1700000000', '{"a":1}'), signWebhook('key', '1700000001', '{"a":1}'));
  });
});
