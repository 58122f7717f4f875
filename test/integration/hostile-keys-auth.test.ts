import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { apiKeyCacheSize, generateKey, MAX_CACHED_UNKNOWN_KEYS, putApiKey } from '../../core/auth/apiKeys.js';
import { MAX_AUTH_FAILURES } from '../../core/auth/authThrottle.js';
import { useTestStack, track, waitFor } from '../support/stack.js';

/*
 * Hostile keys through the running stack. The local HTTP server plays API Gateway and passes the socket's
 * address as requestContext.http.sourceIp, so each client here binds its own loopback address (127.0.0.0/8)
 * to act as a separate source.
 */

const stack = useTestStack();

interface Answer {
  status: number;
  retryAfter: string | undefined;
  json: any;
}

/** POSTs JSON from `source` (a loopback address) with `key`. */
function send(url: string, body: unknown, key: string | undefined, source = '127.0.0.1'): Promise<Answer> {
  const data = JSON.stringify(body);
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: pathname,
        method: 'POST',
        localAddress: source,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...(key ? { 'x-api-key': key } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => {
          let json: any = text;
          try {
            json = JSON.parse(text);
          } catch {
            /* asserted by the callers */
          }
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, json });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const ingest = (events: unknown[], key: string | undefined, source?: string) => send(stack.ingestUrl, { events }, key, source);
const graphql = (query: string, key: string | undefined, source?: string) => send(stack.graphqlUrl, { query }, key, source);
const randomKey = () => `og_${Math.random().toString(16).slice(2)}${Math.random().toString(16).slice(2)}`;

/** The user's order count through the gateway once it reaches `n`. */
async function orders(userId: string, n: number) {
  return waitFor(async () => {
    const r = await graphql(`{ user(id: "${userId}") { stats { orders } } }`, stack.apiKey);
    return r.json.data?.user?.stats.orders >= n ? r.json.data.user.stats.orders : null;
  }, `${n} orders of ${userId}`);
}

describe('hostile keys: bounded caches, throttled guessing, Retry-After, any positive rate', () => {
  it('random bad keys do not grow the key cache past its bound, and real keys keep working', async () => {
    const total = MAX_CACHED_UNKNOWN_KEYS + 150;
    const perSource = MAX_AUTH_FAILURES; // stay under the per-source throttle: this test is about memory
    const statuses = new Map<number, number>();
    for (let start = 0; start < total; start += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, total - start) }, (_, i) => {
          const n = start + i;
          return ingest([track('k-rand', 'login', '2026-11-20T10:00:00Z')], randomKey(), `127.0.1.${1 + Math.floor(n / perSource)}`);
        }),
      );
      for (const a of batch) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    }
    assert.deepEqual(Object.fromEntries(statuses), { 401: total });
    const size = apiKeyCacheSize();
    assert.ok(size.unknown <= MAX_CACHED_UNKNOWN_KEYS, `unknown-key cache holds ${size.unknown}`);
    assert.ok(size.unknown >= MAX_CACHED_UNKNOWN_KEYS - 50, `and it was in use (${size.unknown})`);
    // The flood did not push out the admin key or hurt valid traffic.
    const ok = await ingest([track('k-rand', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'k-rand-1', revenue: 1 })], stack.apiKey);
    assert.deepEqual(ok.json, { accepted: 1, rejected: [] });
    assert.equal(await orders('k-rand', 1), 1);
  });

  it('throttles failed authentications per source: 429 + Retry-After for that source only, REST and GraphQL', async () => {
    const attacker = '127.0.2.1';
    for (let i = 0; i < MAX_AUTH_FAILURES; i++) {
      const a = i % 2 ? await ingest([], randomKey(), attacker) : await graphql('{ segments { id } }', randomKey(), attacker);
      assert.equal(a.status, 401, `attempt ${i + 1}`);
    }
    const rest = await ingest([track('k-thr', 'login', '2026-11-20T10:00:00Z')], randomKey(), attacker);
    assert.equal(rest.status, 429);
    assert.ok(Number(rest.retryAfter) >= 1 && Number(rest.retryAfter) <= 60, `retry-after ${rest.retryAfter}`);
    assert.equal(rest.json.rejected[0].code, 'RATE_LIMITED');
    // While throttled, even a valid key from that source is refused: the answer says nothing about keys.
    const withValid = await ingest([track('k-thr', 'login', '2026-11-20T10:00:00Z')], stack.apiKey, attacker);
    assert.equal(withValid.status, 429);
    assert.deepEqual(withValid.json, rest.json);
    const gql = await graphql('{ segments { id } }', randomKey(), attacker);
    assert.equal(gql.status, 429);
    assert.ok(Number(gql.retryAfter) >= 1);
    assert.equal(gql.json.errors[0].extensions.code, 'RATE_LIMITED');
    // Another source is not affected; its valid events are stored.
    const other = await ingest([track('k-thr', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'k-thr-1', revenue: 1 })], stack.apiKey, '127.0.2.2');
    assert.deepEqual(other.json, { accepted: 1, rejected: [] });
    assert.equal(await orders('k-thr', 1), 1);
  });

  it('serves a key limited below 1 request/s (it was blocked forever), with Retry-After on the 429s', async () => {
    const slowKey = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, slowKey, { name: 'slow', scopes: ['events:write', 'profiles:read'], rateLimit: 0.2 });
    const first = await ingest([track('k-slow', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'k-slow-1', revenue: 3 })], slowKey, '127.0.3.1');
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const second = await ingest([track('k-slow', 'login', '2026-11-20T10:00:00Z')], slowKey, '127.0.3.1');
    assert.equal(second.status, 429);
    assert.equal(second.retryAfter, '5');
    // One limit per key, whatever the route: the ingest above spent this window's request.
    const q0 = await graphql('{ segments { id } }', slowKey, '127.0.3.1');
    assert.equal(q0.status, 429);
    const slowReader = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, slowReader, { name: 'slow-reader', scopes: ['segments:read'], rateLimit: 0.2 });
    const q1 = await graphql('{ segments { id } }', slowReader, '127.0.3.1');
    assert.equal(q1.status, 200, JSON.stringify(q1.json));
    const q2 = await graphql('{ segments { id } }', slowReader, '127.0.3.1');
    assert.equal(q2.status, 429);
    assert.equal(q2.retryAfter, '5', 'a GraphQL 429 carries Retry-After');

    const halfKey = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, halfKey, { name: 'half', scopes: ['events:write'], rateLimit: 0.5 });
    assert.equal((await ingest([track('k-half', 'login', '2026-11-20T10:00:00Z')], halfKey, '127.0.3.2')).status, 200);
    const limited = await ingest([track('k-half', 'login', '2026-11-20T10:00:01Z')], halfKey, '127.0.3.2');
    assert.equal(limited.status, 429);
    await new Promise((r) => setTimeout(r, Number(limited.retryAfter) * 1000));
    const again = await ingest([track('k-half', 'order_completed', '2026-11-20T10:00:02Z', { orderId: 'k-half-1', revenue: 1 })], halfKey, '127.0.3.2');
    assert.equal(again.status, 200, 'served again after Retry-After');
    assert.equal(await orders('k-slow', 1), 1);
    assert.equal(await orders('k-half', 1), 1);
  });

  it('never says which keys exist: unknown, revoked and malformed keys get the same 401', async () => {
    const revoked = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, revoked, { name: 'revoked', scopes: ['admin'] });
    const { dynamo } = await import('../../core/aws/clients.js');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { hashKey } = await import('../../core/auth/apiKeys.js');
    await dynamo().send(
      new UpdateCommand({ TableName: process.env.API_KEYS_TABLE!, Key: { keyHash: hashKey(revoked) }, UpdateExpression: 'SET active = :f', ExpressionAttributeValues: { ':f': false } }),
    );
    const answers = [];
    for (const key of [randomKey(), revoked, 'x'.repeat(5_000), stack.apiKey.slice(0, -1)]) answers.push(await ingest([], key, '127.0.4.1'));
    for (const a of answers) assert.equal(a.status, 401);
    assert.equal(new Set(answers.map((a) => JSON.stringify(a.json))).size, 1, JSON.stringify(answers.map((a) => a.json)));
    const forbidden = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, forbidden, { name: 'writer', scopes: ['events:write'] });
    const denied = await graphql('{ segments { id } }', forbidden, '127.0.4.2');
    assert.equal(denied.status, 403);
    assert.doesNotMatch(JSON.stringify(denied.json), /writer|og_|[0-9a-f]{64}/);
  });
});
