import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { executeGraphQL, startGateway } from '../../gateway/gateway.js';
import { createRequestContext, type SubgraphTables } from '../../subgraphs/context.js';

/*
 * Introspection and field suggestions follow the stage (GRAPHQL_INTROSPECTION): a dev stack shows its schema, the
 * others do not spell it out, neither by introspection nor through "Did you mean" hints in validation errors.
 * Nothing here reaches a resolver, so no tables are needed.
 */
const tables = new Proxy({} as SubgraphTables, { get: (_, k) => `unused-${String(k)}` });
const ctx = () => createRequestContext(tables, { id: 'key_test', keyHash: 'x', name: 'test', scopes: ['admin'], rateLimit: 1, active: true });
const post = (query: string) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), search: '' });

describe('schema exposure per stage', () => {
  it('outside dev: no introspection, no field-name suggestions', async () => {
    const server = await startGateway({ exposeSchema: false });
    const intro = JSON.parse((await executeGraphQL(server, post('{ __schema { types { name } } }'), ctx())).body);
    assert.equal(intro.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(intro.data, undefined);
    const typo = JSON.parse((await executeGraphQL(server, post('{ usr(id: "u") { id } }'), ctx())).body);
    assert.equal(typo.errors[0].extensions.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.doesNotMatch(typo.errors[0].message, /Did you mean/);
    await server.stop();
  });

  it('in dev: both', async () => {
    const server = await startGateway({ exposeSchema: true });
    const intro = JSON.parse((await executeGraphQL(server, post('{ __schema { queryType { name } } }'), ctx())).body);
    assert.equal(intro.data.__schema.queryType.name, 'Query');
    const typo = JSON.parse((await executeGraphQL(server, post('{ usr(id: "u") { id } }'), ctx())).body);
    assert.match(typo.errors[0].message, /Did you mean "user"/);
    await server.stop();
  });
});
