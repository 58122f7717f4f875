import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { bundleAsDeployed } from '../../bench/support.js';
import { LEFT_OUT_OF_BUNDLES } from '../../infra/bundling.js';
import { postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * The graphql function as deployed: its handler bundled with the construct's esbuild settings, which leave out the
 * modules of infra/bundling.ts LEFT_OUT_OF_BUNDLES, run in a fresh node process on API Gateway events without
 * NODE_ENV (Lambda sets none). Each answer must equal the local stack's (the same handler from source), so a path
 * that needs a left-out module, or a second copy of a dependency, fails here.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;
let bundle: string;
/** The source files esbuild bundled (its metafile's inputs). */
let inputs: string[];

const stack = useTestStack({
  async afterStart(started) {
    dir = await mkdtemp(join(tmpdir(), 'opsgraph-bundle-'));
    bundle = join(dir, 'handler.mjs');
    ({ inputs } = await bundleAsDeployed(join(root, 'lambdas', 'graphql', 'handler.ts'), bundle));
    const events = [
      { type: 'identify', userId: 'bundle-1', timestamp: '2026-11-20T10:00:00Z', traits: { country: 'GB' } },
      track('bundle-1', 'order_completed', '2026-11-20T10:05:00Z', { orderId: 'o-1', revenue: 1200, currency: 'GBP' }),
      track('bundle-2', 'page_viewed', '2026-11-21T09:00:00Z'),
    ];
    assert.equal((await postJson(started.ingestUrl, { events }, started.apiKey)).status, 200);
  },
  async beforeClose() {
    await rm(dir, { recursive: true, force: true });
  },
});

const QUERIES: Array<{ name: string; query: string; variables?: Record<string, unknown> }> = [
  {
    name: 'a user across subgraphs',
    query: `query U($asOf: DateTime) { user(id: "bundle-1") { id stats(asOf: $asOf) { orders revenue lastSeenAt }
      tags { name source } segments { id name } churn { band } enrollments { id } } }`,
    variables: { asOf: '2026-11-22T00:00:00Z' },
  },
  { name: 'users(filter)', query: '{ users(filter: { tag: "high_value" }, first: 5) { totalCount edges { node { id } } } }' },
  { name: 'segments, campaigns, counts', query: '{ segments { id size } campaigns { id status } churnBands { band users } tagCounts(tags: ["high_value"]) { tag users } }' },
  {
    name: 'a metric from the aggregates',
    query: '{ metric(metric: ORDERS, from: "2026-11-01T00:00:00Z", to: "2026-12-01T00:00:00Z", granularity: DAY) { points { start value exact } } }',
  },
  { name: 'an unknown field', query: '{ user(id: "bundle-1") { id nope } }' },
  { name: 'too deep', query: `{ user(id: "bundle-1") { ${'segments { members(first: 1) { edges { node { '.repeat(4)}id${' } } } }'.repeat(4)} } }` },
];

function apiGatewayEvent(body: unknown, apiKey?: string) {
  return {
    version: '2.0', routeKey: 'POST /graphql', rawPath: '/graphql', rawQueryString: '', isBase64Encoded: false,
    headers: { 'content-type': 'application/json', ...(apiKey ? { 'x-api-key': apiKey } : {}) },
    body: JSON.stringify(body),
    requestContext: { http: { method: 'POST', path: '/graphql', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'r', routeKey: 'POST /graphql', stage: '$default', timeEpoch: Date.now() },
  };
}

/** Runs the bundle's handler once per event in one fresh node process; returns each status and body. */
async function runBundle(events: unknown[]): Promise<{ answers: Array<{ statusCode: number; body: string }>; logs: string }> {
  const runner = join(dir, 'run.mjs');
  const input = join(dir, 'events.json');
  await writeFile(input, JSON.stringify(events));
  await writeFile(runner, [
    `import { readFile } from 'node:fs/promises';`,
    `const { handler } = await import(${JSON.stringify(bundle)});`,
    `const out = [];`,
    `for (const event of JSON.parse(await readFile(${JSON.stringify(input)}, 'utf8'))) { const r = await handler(event); out.push({ statusCode: r.statusCode, body: r.body }); }`,
    `process.stdout.write(JSON.stringify(out));`,
    'process.exit(0);',
  ].join('\n'));
  const child = spawn(process.execPath, [runner], { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `the bundled handler exited ${code}: ${err}`);
  return { answers: JSON.parse(out), logs: err };
}

describe('the graphql function as bundled for Lambda', () => {
  it('holds none of the left-out modules', () => {
    const bundled = new Set(inputs.map((file) => file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/)?.[1]));
    assert.deepEqual(Object.keys(LEFT_OUT_OF_BUNDLES).filter((name) => bundled.has(name)), []);
    assert.ok(inputs.some((file) => file.endsWith('infra/leftOut.cjs')), 'the stand-in is bundled in their place');
  });

  it('holds one copy of graphql, its ESM build', () => {
    const graphql = inputs.filter((file) => /(^|\/)node_modules\/graphql\//.test(file));
    assert.ok(graphql.length > 100);
    assert.deepEqual(graphql.filter((file) => !file.endsWith('.mjs')), []);
  });

  it('answers as the handler from source does, for queries, errors and limits', async () => {
    await waitFor(async () => (await postJson(stack.graphqlUrl, { query: '{ user(id: "bundle-1") { stats { orders } } }' }, stack.apiKey)).json?.data?.user?.stats?.orders === 1, 'the order folded');
    await waitFor(
      async () => (await postJson(stack.graphqlUrl, { query: QUERIES[3]!.query }, stack.apiKey)).json?.data?.metric?.[0]?.points?.some((p: { value: number }) => p.value === 1),
      'the order aggregated',
    );
    const { answers: bundled, logs } = await runBundle([...QUERIES.map((q) => apiGatewayEvent({ query: q.query, variables: q.variables }, stack.apiKey)), apiGatewayEvent({ query: '{ segments { id } }' })]);
    for (const [i, q] of QUERIES.entries()) {
      const local = await postJson(stack.graphqlUrl, { query: q.query, variables: q.variables }, stack.apiKey);
      assert.equal(bundled[i]!.statusCode, local.status, `${q.name}: ${bundled[i]!.body}\n${logs}`);
      assert.deepEqual(JSON.parse(bundled[i]!.body), local.json, q.name);
    }
    assert.equal(JSON.parse(bundled[0]!.body).data.user.stats.orders, 1, 'a real answer, not two equal errors');
    const codes = bundled.slice(4, 6).map((r) => JSON.parse(r.body).errors?.[0]?.extensions?.code);
    assert.deepEqual(codes, ['GRAPHQL_VALIDATION_FAILED', 'QUERY_TOO_DEEP']);
    assert.equal(bundled[6]!.statusCode, 401, 'no API key');
  });
});
