import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generateKey, putApiKey } from '../../core/auth/apiKeys.js';
import { dynamo } from '../../core/aws/clients.js';
import { MAX_ALIASES, MAX_COST } from '../../gateway/limits.js';
import { PREVIEW_BUDGET } from '../../subgraphs/context.js';
import { gql, postJson, startTestStack, track, waitFor } from '../support/stack.js';

type Stack = Awaited<ReturnType<typeof startTestStack>>;
let stack: Stack;
let reader: string;

/** COUNT scans this process sent to DynamoDB (observed on the real client, nothing mocked). */
let countScans = 0;

before(async () => {
  stack = await startTestStack();
  dynamo().middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { Select?: string };
      if (input.Select === 'COUNT') countScans++;
      return next(args);
    },
    { step: 'initialize', name: 'countScansForTest' },
  );
  reader = generateKey();
  await putApiKey(process.env.API_KEYS_TABLE!, reader, { name: 'hostile-reader', scopes: ['profiles:read'] });
  const events = ['h1', 'h2', 'h3'].map((u) => track(u, 'product_viewed', '2026-11-20T10:00:00Z', { category: 'shoes' }));
  const ingested = await postJson(stack.ingestUrl, { events }, stack.apiKey);
  assert.ok(ingested.status < 300, JSON.stringify(ingested.json));
  await waitFor(async () => (await gql(stack, '{ user(id: "h3") { id } }')).json.data?.user, 'profiles h1..h3');
});
after(async () => {
  await stack.close();
});

const PAGED = '{ edges { node { events(first: $m) { edges { node { eventId timestamp properties } } } } } }';
const codeOf = (r: { json: any }) => r.json.errors?.[0]?.extensions?.code;

describe('hostile GraphQL', () => {
  it('prices first given by variables and by schema defaults', async () => {
    const viaVariables = await gql(stack, `query($n: Int, $m: Int) { users(first: $n) ${PAGED} }`, { n: 100, m: 100 }, reader);
    assert.equal(viaVariables.status, 400);
    assert.equal(codeOf(viaVariables), 'QUERY_TOO_COSTLY');
    assert.equal(viaVariables.json.errors[0].extensions.cost, 1 + 100 * (3 + 100 * 5));
    const viaVariableDefaults = await gql(stack, `query($n: Int = 100, $m: Int = 100) { users(first: $n) ${PAGED} }`, {}, reader);
    assert.equal(codeOf(viaVariableDefaults), 'QUERY_TOO_COSTLY');
    // Schema defaults: users and events both default to 20 → 1 + 20·(3 + 20·5) = 2,061, under the limit…
    const small = await gql(stack, `query($m: Int) { users ${PAGED} }`, {}, reader);
    assert.equal(small.json.errors, undefined);
    // …and three aliased copies of it (6,183) are over it.
    const defaults = await gql(stack, `query($m: Int) { a: users ${PAGED} b: users ${PAGED} c: users ${PAGED} }`, {}, reader);
    assert.equal(codeOf(defaults), 'QUERY_TOO_COSTLY');
    assert.equal(defaults.json.errors[0].extensions.cost, 3 * (1 + 20 * (3 + 20 * 5)));
    assert.ok(defaults.json.errors[0].extensions.cost > MAX_COST);
  });

  it('rejects a fragment chain with its exact cost, fast', async () => {
    const n = 30;
    let query = 'query { user(id: "h1") { ...F0 } }\n';
    for (let i = 0; i < n; i++) query += `fragment F${i} on User { id ...F${i + 1} ...F${i + 1} }\n`;
    query += `fragment F${n} on User { id }\n`;
    const started = Date.now();
    const r = await gql(stack, query, {}, reader);
    assert.ok(Date.now() - started < 10_000, 'sanity timeout');
    assert.equal(r.status, 400);
    assert.equal(codeOf(r), 'QUERY_TOO_COSTLY');
    // F_30 = 1, F_i = 1 + 2·F_{i+1} → F_0 = 2^31 − 1; plus the user field.
    assert.equal(r.json.errors[0].extensions.cost, 1 + (2 ** (n + 1) - 1));
  });

  it('limits aliases', async () => {
    const fields = Array.from({ length: MAX_ALIASES + 1 }, (_, i) => `a${i}: user(id: "h1") { id }`).join(' ');
    const r = await gql(stack, `{ ${fields} }`, {}, reader);
    assert.equal(r.status, 400);
    assert.equal(codeOf(r), 'TOO_MANY_ALIASES');
    const ok = await gql(stack, `{ ${fields.split(' a').slice(0, MAX_ALIASES).join(' a')} }`, {}, reader);
    assert.equal(ok.json.errors, undefined);
  });

  it('makes aliased previews share one budget', async () => {
    const r = await gql(
      stack,
      `mutation { a: previewSegment(expression: "count(\\"product_viewed\\") >= 1", sample: ${PREVIEW_BUDGET}) { evaluated }
                  b: previewTagRule(expression: "count(\\"product_viewed\\") >= 1", sample: 1) { evaluated } }`,
      {},
      reader,
    );
    assert.equal(codeOf(r), 'PREVIEW_BUDGET_EXCEEDED');
    assert.deepEqual(r.json.errors[0].path, ['b']);
  });

  it('reads no full-table COUNT for users without totalCount, and one per request with it', async () => {
    countScans = 0;
    const pages = await gql(stack, '{ a: users(first: 1) { edges { node { id } } } b: users(first: 2) { pageInfo { hasNextPage } } }', {}, reader);
    assert.equal(pages.json.errors, undefined);
    assert.equal(pages.json.data.a.edges.length, 1);
    assert.equal(countScans, 0);
    const counted = await gql(stack, '{ a: users(first: 1) { totalCount } b: users(first: 2) { ...C } } fragment C on UserConnection { totalCount }', {}, reader);
    assert.equal(counted.json.errors, undefined);
    assert.equal(counted.json.data.a.totalCount, 3);
    assert.equal(counted.json.data.b.totalCount, 3);
    assert.equal(countScans, 1);
  });

  it('masks storage errors: no DynamoDB message, table name, ARN or stack', async () => {
    // Keys over 2,048 bytes: DynamoDB rejects the BatchGetItem / Scan with a raw ValidationException.
    const long = 'x'.repeat(3000);
    const identity = await gql(stack, 'query($v: String!) { userByIdentity(kind: DEVICE_ID, value: $v) { id } }', { v: long }, reader);
    const cursor = await gql(stack, 'query($a: String) { users(after: $a) { edges { node { id } } } }', { a: Buffer.from(long).toString('base64url') }, reader);
    for (const r of [identity, cursor]) {
      assert.ok(r.json.errors?.length, JSON.stringify(r.json));
      assert.equal(codeOf(r), 'INTERNAL_SERVER_ERROR');
      assert.equal(r.json.errors[0].message, 'internal error');
      assert.match(r.json.errors[0].extensions.requestId, /^[0-9a-f-]{36}$/);
      assert.doesNotMatch(JSON.stringify(r.json), /dynamo|validation|hashkey|table|arn:|opsgraph-|stack|\.ts:|serviceName|exception|DOWNSTREAM/i);
    }
  });

  it('nulls only the alias with an empty id', async () => {
    const r = await gql(stack, '{ a: user(id: "h1") { id } b: user(id: "") { id } c: user(id: "h2") { id } }', {}, reader);
    assert.equal(r.json.errors, undefined);
    assert.deepEqual(r.json.data, { a: { id: 'h1' }, b: null, c: { id: 'h2' } });
  });
});
