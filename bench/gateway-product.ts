/**
 * The product's own supergraph in process (a mode of `npm run bench:gateway`, `--only product`): today's gateway
 * (@apollo/gateway with LocalGraphQLDataSource, which parses and validates every subgraph fetch) against the
 * product's gateway as it now is (`PlanGateway`: Hive Router's planner and opsgraph's plan executor, with
 * CachedLocalDataSource: each distinct fetch operation parsed and validated once), and between them
 * @apollo/gateway with CachedLocalDataSource (the product's gateway before the plan executor). All run in this process over the same local stack (dynalite on loopback) seeded through
 * the ingest path, on a realistic mix: a user with stats, tags, segments and churn; users(filter); segments with
 * sizes and members; campaigns with churn bands and tag counts (three subgraphs in one operation). Responses are
 * compared once (identical), then rounds alternate A B A B at 50 concurrent requests.
 *
 * A fourth side, `subgraphs only`, is the floor any gateway has on this mix: the subgraph fetches the gateway made
 * for each request, recorded once, replayed straight into the subgraphs (parsed once, executed, answers serialised)
 * with no planning, no merging and no gateway at all. `ratio_floor` is the most any engine could gain over
 * today's gateway here, since the resolvers' work (DynamoDB calls to dynalite) stays.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloGateway, LocalGraphQLDataSource, type GraphQLDataSource } from '@apollo/gateway';
import type { GraphQLSchema } from 'graphql';
import type { ApolloServer } from '@apollo/server';
import { authenticate } from '../core/auth/apiKeys.js';
import { executeGraphQL, startGateway, type GraphQLHttpResult } from '../gateway/gateway.js';
import { CachedLocalDataSource } from '../gateway/localDataSource.js';
import { SUPERGRAPH_SDL } from '../schema/sdl.generated.js';
import { startLocalStack } from '../local/localStack.js';
import { createRequestContext, subgraphTablesFromEnv, type RequestContext } from '../subgraphs/context.js';
import { report } from './support.js';
import { sleep } from '../core/platform/sleep.js';

const AS_OF = '2026-11-30T00:00:00Z';
const USERS = 60;

export const PRODUCT_MIX: Array<{ name: string; query: string; variables: (i: number) => Record<string, unknown> }> = [
  {
    name: 'user',
    query: `query U($id: ID!, $asOf: DateTime) { user(id: $id) { id stats(asOf: $asOf) { orders revenue lastSeenAt }
      tags { name since source ruleVersion } segments { id name } churn { probability band reasons } } }`,
    variables: (i) => ({ id: `bench-u${i % USERS}`, asOf: AS_OF }),
  },
  {
    name: 'users(filter)',
    query: `query F($tag: String) { users(filter: { tag: $tag }, first: 20) { totalCount edges { cursor node { id tags { name } } } pageInfo { hasNextPage } } }`,
    variables: () => ({ tag: 'high_value' }),
  },
  {
    name: 'segments',
    query: `{ segments { id name version size members(first: 5) { totalCount edges { node { id } } } } }`,
    variables: () => ({}),
  },
  {
    name: 'campaigns+analytics',
    query: `{ campaigns { id name status segmentId } churnBands { band users } tagCounts(tags: ["high_value", "payment_risk", "new_user"]) { tag users } }`,
    variables: () => ({}),
  },
];

type Engine = (request: Parameters<typeof executeGraphQL>[1], context: RequestContext) => Promise<GraphQLHttpResult>;
const apollo = (server: ApolloServer<RequestContext>): Engine => (request, context) => executeGraphQL(server, request, context);

async function run(engine: Engine, ctx: () => RequestContext, q: (typeof PRODUCT_MIX)[number], i: number) {
  return engine(
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: q.query, variables: q.variables(i) }), search: '' },
    ctx(),
  );
}

type Mix = typeof PRODUCT_MIX;

/**
 * The engines' own work, with the storage out of the picture: fields the profiles subgraph answers from the
 * request's key alone (no DynamoDB call), three root fields a request.
 */
const ENGINE_ONLY_MIX: Mix = [{ name: 'viewer ×3', query: '{ viewer { keyId name scopes } a: viewer { keyId } b: viewer { scopes } }', variables: () => ({}) }];

async function load(server: Engine, ctx: () => RequestContext, seconds: number, concurrency = 50, mix: Mix = PRODUCT_MIX): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  let next = 0;
  const worker = async () => {
    while (Date.now() < end) {
      const i = next++;
      const r = await run(server, ctx, mix[i % mix.length]!, i);
      if (r.status !== 200 || r.body.includes('"errors"')) throw new Error(`product mix failed: ${r.status} ${r.body.slice(0, 300)}`);
      done++;
    }
  };
  const t = Date.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done / ((Date.now() - t) / 1000);
}

/** One subgraph fetch as the gateway made it. */
interface RecordedFetch {
  source: CachedLocalDataSource;
  request: Parameters<CachedLocalDataSource['execute']>[0];
}

/**
 * The subgraph fetches behind each of `requests` mix requests (one at a time, so fetches are not mixed up), through
 * `engine`, which must run CachedLocalDataSource.
 */
async function recordFetches(engine: Engine, ctx: () => RequestContext, requests: number): Promise<RecordedFetch[][]> {
  const original = CachedLocalDataSource.prototype.execute;
  let current: RecordedFetch[] = [];
  CachedLocalDataSource.prototype.execute = function (request, context) {
    current.push({ source: this, request });
    return original.call(this, request, context);
  };
  const out: RecordedFetch[][] = [];
  try {
    for (let i = 0; i < requests; i++) {
      current = [];
      await run(engine, ctx, PRODUCT_MIX[i % PRODUCT_MIX.length]!, i);
      out.push(current);
    }
  } finally {
    CachedLocalDataSource.prototype.execute = original;
  }
  return out;
}

/** Replays request `i`'s recorded fetches into the subgraphs; the body is their answers, serialised. */
function subgraphsOnly(recorded: readonly RecordedFetch[][]): Engine {
  let i = 0;
  return async (_request, context) => {
    const fetches = recorded[i++ % recorded.length]!;
    const answers = await Promise.all(
      fetches.map((f) => f.source.execute(f.request, context)),
    );
    return { status: 200, headers: {}, body: JSON.stringify(answers) };
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** `a`'s median over `b`'s, to two decimals. */
const ratioOfMedians = (a: number[], b: number[]) => Math.round((median(a) / median(b)) * 100) / 100;

export async function productBench(rounds: number, duration: number): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-gw-'));
  const stack = await startLocalStack({ port: 0, dataDir, rulesTtlSeconds: 1 });
  try {
    const events = [];
    for (let u = 0; u < USERS; u++) {
      for (let o = 0; o < 1 + (u % 4); o++) {
        events.push({ type: 'track', event: 'order_completed', userId: `bench-u${u}`, timestamp: `2026-11-${10 + o}T10:00:00Z`,
          properties: { orderId: `bench-o${u}-${o}`, revenue: 300 * (1 + (u % 5)), currency: 'GBP' } });
      }
      if (u % 3 === 0) events.push({ type: 'track', event: 'payment_failed', userId: `bench-u${u}`, timestamp: '2026-11-20T10:05:00Z' });
    }
    for (let i = 0; i < events.length; i += 200) {
      const r = await fetch(stack.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey }, body: JSON.stringify({ events: events.slice(i, i + 200) }) });
      if (!r.ok) throw new Error(`ingest ${r.status}`);
    }
    const auth = await authenticate(process.env.API_KEYS_TABLE!, stack.apiKey, 'profiles:read');
    if (!auth.ok) throw new Error('bench key');
    const tables = subgraphTablesFromEnv();
    const ctx = () => createRequestContext(tables, auth.key);
    // The baselines: @apollo/gateway over the same in-process subgraphs, as LocalGraphQLDataSource or cached.
    const apolloGateway = (source: (schema: GraphQLSchema) => GraphQLDataSource) => (schemas: Record<string, GraphQLSchema>) =>
      new ApolloGateway({ supergraphSdl: SUPERGRAPH_SDL, buildService: ({ name }) => source(schemas[name]!) });
    const servers = [
      await startGateway({ engine: apolloGateway((schema) => new LocalGraphQLDataSource(schema)) }),
      await startGateway({ engine: apolloGateway((schema) => new CachedLocalDataSource(schema) as unknown as GraphQLDataSource) }),
      await startGateway(),
    ];
    const engines = { today: apollo(servers[0]!), cached: apollo(servers[1]!), product: apollo(servers[2]!) };
    // Wait until the last seeded user is folded and tagged.
    for (let t = Date.now(); ; ) {
      const r = await run(engines.today, ctx, PRODUCT_MIX[0]!, USERS - 1);
      if (r.body.includes('high_value')) break;
      if (Date.now() - t > 60_000) throw new Error('seeded users never became visible');
      await sleep(200);
    }
    await sleep(1500);
    for (const [i, q] of [...PRODUCT_MIX, ...ENGINE_ONLY_MIX].entries()) {
      const a = await run(engines.today, ctx, q, i);
      const b = await run(engines.cached, ctx, q, i);
      const h = await run(engines.product, ctx, q, i);
      const norm = (x: GraphQLHttpResult) => `${x.status} ${JSON.stringify(JSON.parse(x.body))}`;
      const identical = norm(a) === norm(b) && norm(a) === norm(h);
      report({ bench: 'gateway.product', check: 'identical-response', query: q.name, bytes: a.body.length, identical });
      if (!identical || a.body.includes('"errors"')) throw new Error(`${q.name}: responses differ or fail:\n${a.body}\n${b.body}\n${h.body}`);
    }
    const recorded = await recordFetches(engines.product, ctx, PRODUCT_MIX.length * 15);
    const allEngines = { ...engines, floor: subgraphsOnly(recorded) };
    for (const e of Object.values(allEngines)) await load(e, ctx, 2);
    const label = { today: '@apollo/gateway+LocalGraphQLDataSource', cached: '@apollo/gateway+CachedLocalDataSource', product: 'PlanGateway (hive planner + opsgraph executor)+CachedLocalDataSource', floor: 'subgraphs only (no gateway)' };
    const rps: Record<keyof typeof allEngines, number[]> = { today: [], cached: [], product: [], floor: [] };
    for (let r = 0; r < rounds; r++) {
      for (const name of ['today', 'product', 'cached', 'floor'] as const) {
        const v = await load(allEngines[name], ctx, duration);
        rps[name].push(v);
        report({ bench: 'gateway.product', round: r + 1, engine: label[name], rps: Math.round(v) });
      }
    }
    const ratio = (k: keyof typeof allEngines) => ratioOfMedians(rps[k], rps.today);
    report({
      bench: 'gateway.product', mix: PRODUCT_MIX.map((q) => q.name), concurrency: 50, duration_s: duration, rounds, baseline: label.today,
      today_rps: rps.today.map(Math.round), product_rps: rps.product.map(Math.round), cached_rps: rps.cached.map(Math.round),
      floor_rps: rps.floor.map(Math.round), subgraph_fetches_per_request: Math.round((recorded.flat().length / recorded.length) * 100) / 100,
      ratio_product: ratio('product'), ratio_product_target: 2, ratio_cached: ratio('cached'), ratio_floor: ratio('floor'),
    });
    const engineOnly: Record<'today' | 'cached' | 'product', number[]> = { today: [], cached: [], product: [] };
    for (let r = 0; r < rounds; r++) {
      for (const name of ['today', 'product', 'cached'] as const) engineOnly[name].push(await load(engines[name], ctx, Math.min(duration, 5), 50, ENGINE_ONLY_MIX));
    }
    report({
      bench: 'gateway.product', mix: ENGINE_ONLY_MIX.map((q) => q.name), note: 'no storage calls: the engines alone', rounds,
      today_rps: engineOnly.today.map(Math.round), product_rps: engineOnly.product.map(Math.round), cached_rps: engineOnly.cached.map(Math.round),
      ratio_product: ratioOfMedians(engineOnly.product, engineOnly.today), ratio_cached: ratioOfMedians(engineOnly.cached, engineOnly.today),
    });
    for (const s of servers) await s.stop();
  } finally {
    await stack.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
