import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalGraphQLDataSource } from '@apollo/gateway';
import { buildSchema, GraphQLSchema, GraphQLObjectType, GraphQLString } from 'graphql';
import { CachedLocalDataSource } from '../../gateway/localDataSource.js';

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: { type: GraphQLString, args: { name: { type: GraphQLString } }, resolve: (_s, { name }, ctx) => `hi ${name ?? ctx.who}` },
      boom: { type: GraphQLString, resolve: () => { throw new Error('boom'); } },
    },
  }),
});

const call = (ds: { process: (o: any) => Promise<unknown> }, query: string, variables?: Record<string, unknown>, context: Record<string, unknown> = { who: 'ctx' }) =>
  ds.process({ request: { query, variables }, context, kind: 'UNKNOWN' } as any);

describe('CachedLocalDataSource', () => {
  const cases: Array<[string, Record<string, unknown>?]> = [
    ['{ hello }'],
    ['query Q($n: String) { hello(name: $n) }', { n: 'ann' }],
    ['{ boom hello }'],
    ['{ nope }'],
    ['{ hello('],
  ];
  it('answers like LocalGraphQLDataSource (results, resolver errors, validation and syntax errors), twice', async () => {
    const cached = new CachedLocalDataSource(schema);
    const plain = new LocalGraphQLDataSource(schema);
    for (let round = 0; round < 2; round++) {
      for (const [query, variables] of cases) {
        assert.equal(JSON.stringify(await call(cached, query, variables)), JSON.stringify(await call(plain, query, variables)), query);
      }
    }
  });

  it('passes each request its own context and variables through a cached document', async () => {
    const cached = new CachedLocalDataSource(schema);
    const q = 'query Q($n: String) { hello(name: $n) }';
    assert.deepEqual(JSON.parse(JSON.stringify(await call(cached, q, {}, { who: 'a' }))), { data: { hello: 'hi a' } });
    assert.deepEqual(JSON.parse(JSON.stringify(await call(cached, q, {}, { who: 'b' }))), { data: { hello: 'hi b' } });
    assert.deepEqual(JSON.parse(JSON.stringify(await call(cached, q, { n: 'c' }, { who: 'b' }))), { data: { hello: 'hi c' } });
  });

  it('reports an invalid schema like graphql() does', async () => {
    const broken = buildSchema('type Query { a: String }', { assumeValid: true });
    assert.deepEqual(JSON.stringify(await call(new CachedLocalDataSource(broken), '{ a }')), JSON.stringify(await call(new LocalGraphQLDataSource(broken), '{ a }')));
  });
});
