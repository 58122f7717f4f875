import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApolloGateway, type GraphQLDataSource } from '@apollo/gateway';
import type { ApolloServer } from '@apollo/server';
import { authenticate, type ApiKey } from '../../core/auth/apiKeys.js';
import { GraphQLError, type GraphQLObjectType } from 'graphql';
import { executeGraphQL, inProcessPlanGateway, startGateway, type SubgraphSchemas } from '../../gateway/gateway.js';
import { CachedLocalDataSource } from '../../gateway/localDataSource.js';
import { SUPERGRAPH_SDL } from '../../schema/sdl.generated.js';
import { createRequestContext, subgraphTablesFromEnv, type RequestContext } from '../../subgraphs/context.js';
import { activeCampaign, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * The product's engine (PlanGateway: Hive Router's planner, opsgraph's plan executor) against @apollo/gateway, the
 * engine it replaced, over the same in-process subgraphs and the same stack: every answer (status and body) must be
 * the same, for entity fetches into lists, fragments, aliases, directives, introspection beside data, null
 * bubbling from a refused entity field, subgraph errors' paths, and variable errors.
 */

let engines: { plan: ApolloServer<RequestContext>; apollo: ApolloServer<RequestContext> };
let admin: ApiKey;

useTestStack({
  async afterStart(started) {
    // A campaign to enroll in, so User.enrollments (the campaigns subgraph's entity field) has rows to merge.
    await activeCampaign(started, 'engines', { trigger: { kind: 'EVENT', event: 'eng_start' }, start: 'end', nodes: { end: { type: 'EXIT' } } });
    await new Promise((r) => setTimeout(r, 1100)); // the journey functions' campaign cache
    const events = [
      track('eng-1', 'eng_start', '2026-11-20T09:00:00Z'),
      track('eng-3', 'eng_start', '2026-11-20T09:00:00Z'),
      { type: 'identify', userId: 'eng-1', timestamp: '2026-11-20T10:00:00Z', traits: { country: 'GB' } },
      track('eng-1', 'order_completed', '2026-11-20T10:05:00Z', { orderId: 'eo-1', revenue: 1200, currency: 'GBP' }),
      track('eng-2', 'order_completed', '2026-11-21T09:00:00Z', { orderId: 'eo-2', revenue: 40, currency: 'GBP' }),
      track('eng-3', 'page_viewed', '2026-11-21T09:00:00Z'),
      track('eng-fails', 'page_viewed', '2026-11-21T09:00:00Z'),
    ];
    assert.equal((await postJson(started.ingestUrl, { events }, started.apiKey)).status, 200);
    const auth = await authenticate(process.env.API_KEYS_TABLE!, started.apiKey, 'profiles:read');
    assert.ok(auth.ok);
    admin = auth.key;
    const apollo = (schemas: SubgraphSchemas) =>
      new ApolloGateway({ supergraphSdl: SUPERGRAPH_SDL, buildService: ({ name }) => new CachedLocalDataSource(schemas[name as keyof typeof schemas]) as unknown as GraphQLDataSource });
    engines = {
      plan: await startGateway({
        engine: (schemas) => {
          const failing = failingEnrollments(schemas);
          return inProcessPlanGateway(async (name) => failing[name]);
        },
      }),
      apollo: await startGateway({ engine: (schemas) => apollo(failingEnrollments(schemas)) }),
    };
  },
  async beforeClose() {
    await engines.plan.stop();
    await engines.apollo.stop();
  },
});

/** An entity field's typed error, for one user: `User.enrollments` (campaigns) of `eng-fails` answers NOT_FOUND. */
function failingEnrollments(schemas: SubgraphSchemas): SubgraphSchemas {
  const field = (schemas.campaigns.getType('User') as GraphQLObjectType).getFields().enrollments!;
  const resolve = field.resolve!;
  field.resolve = (user: { id: string }, ...rest) => {
    if (user.id === 'eng-fails') throw new GraphQLError('no enrollments here', { extensions: { code: 'NOT_FOUND' } });
    return resolve(user, ...rest);
  };
  return schemas;
}

const post = (query: string, variables?: Record<string, unknown>) => ({
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }), search: '',
});

/** One request through both engines with the same caller; the masked errors' request ids differ by design. */
async function both(query: string, variables?: Record<string, unknown>, key: ApiKey = admin) {
  const ctx = () => createRequestContext(subgraphTablesFromEnv(), key);
  const [plan, apollo] = [await executeGraphQL(engines.plan, post(query, variables), ctx()), await executeGraphQL(engines.apollo, post(query, variables), ctx())];
  const norm = (body: string) => JSON.parse(body.replace(/"requestId":"[^"]+"/g, '"requestId":"…"'));
  return { plan: { status: plan.status, body: norm(plan.body) }, apollo: { status: apollo.status, body: norm(apollo.body) } };
}

async function same(query: string, variables?: Record<string, unknown>, key?: ApiKey) {
  const { plan, apollo } = await both(query, variables, key);
  assert.deepEqual(plan, apollo, query);
  return plan;
}

describe('the plan gateway answers as @apollo/gateway does', () => {
  it('across subgraphs: entities in lists, fragments, aliases, directives and __typename', async () => {
    await waitFor(async () => (await both('{ user(id: "eng-2") { stats { orders } } }')).plan.body.data?.user?.stats?.orders === 1, 'the orders folded');
    await waitFor(async () => (await both('{ user(id: "eng-3") { enrollments { id } } }')).plan.body.data?.user?.enrollments?.length === 1, 'the enrollments');
    const user = await same(
      `query U($id: ID!, $withTags: Boolean!, $noChurn: Boolean!) {
        __typename
        who: user(id: $id) { __typename id ...Figures tags @include(if: $withTags) { name } churn @skip(if: $noChurn) { band }
          enrollments { id campaignId } }
        other: user(id: "eng-3") { id enrollments { campaignId } ... on User { segments { id } } }
        missing: user(id: "nobody") { id enrollments { id } }
      }
      fragment Figures on User { stats(asOf: "2026-11-22T00:00:00Z") { orders revenue } traits }`,
      { id: 'eng-1', withTags: true, noChurn: false },
    );
    assert.equal(user.body.data.who.stats.orders, 1, 'a real answer');
    assert.equal(user.body.data.who.enrollments.length, 1, 'merged from the campaigns subgraph');
    assert.equal(user.body.data.missing, null);
    const list = await same(
      `{ users(filter: { tag: "high_value" }, first: 10) { totalCount edges { cursor node { id e: enrollments { campaignId } tags { name } } } } }`,
    );
    assert.ok(list.body.data.users, list.body);
    await same(`{ segments { id name size members(first: 3) { edges { node { id enrollments { id } } } } } campaigns { id status } }`);
  });

  it('introspection beside data, and alone', async () => {
    const mixed = await same('{ __type(name: "ChurnScore") { name fields { name } } segments { id } }');
    assert.equal(mixed.body.data.__type.name, 'ChurnScore');
    await same('{ __schema { queryType { name } mutationType { name } types { name kind } } }');
  });

  it('errors: an entity field\'s error bubbles to its nullable parent at its path, refusals and bad variables are typed', async () => {
    const failed = await same('{ user(id: "eng-fails") { id enrollments { id } } other: user(id: "eng-3") { id enrollments { id } } }');
    assert.deepEqual(failed.body.data, { user: null, other: { id: 'eng-3', enrollments: failed.body.data.other.enrollments } });
    assert.deepEqual(failed.body.errors.map((e: { path: unknown; extensions: { code: string } }) => [e.path, e.extensions.code]), [[['user', 'enrollments'], 'NOT_FOUND']]);
    const segmentsOnly: ApiKey = { ...admin, id: 'key_segments', scopes: ['segments:read'] };
    const refused = await same('{ user(id: "eng-1") { id } segments { id } }', undefined, segmentsOnly);
    assert.equal(refused.body.data.user, null);
    assert.equal(refused.body.errors[0].extensions.code, 'FORBIDDEN');
    const badVariable = await same('query($n: Int) { users(first: $n) { totalCount } }', { n: 'many' });
    assert.equal(badVariable.status, 400);
    const missing = await same('query($id: ID!) { user(id: $id) { id } }', {});
    assert.equal(missing.body.errors[0].extensions.code, 'BAD_USER_INPUT');
    await same('mutation { createSegment(input: { name: "x", expression: "((" }) { id } }');
  });
});
