import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { gql, postJson, useTestStack } from '../support/stack.js';

/*
 * Persisted operations through the running gateway: Apollo's automatic persisted queries for every client, a
 * registered list known in every container, and keys that may run registered operations only.
 */
const stack = useTestStack();
const sha = (q: string) => createHash('sha256').update(q).digest('hex');
const apq = (hash: string, query?: string) => ({ ...(query ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

describe('persisted operations', () => {
  it('automatic persisted queries work for any key', async () => {
    const query = '{ segments { id name } }';
    const first = await postJson(stack.graphqlUrl, apq(sha(query)), stack.apiKey);
    assert.equal(first.json.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND');
    assert.equal((await postJson(stack.graphqlUrl, apq(sha(query), query), stack.apiKey)).json.errors, undefined);
    const again = await postJson(stack.graphqlUrl, apq(sha(query)), stack.apiKey);
    assert.equal(again.json.errors, undefined, JSON.stringify(again.json));
  });

  it('a persistedQueriesOnly key runs registered operations only, by hash or by text', async () => {
    const allowed = 'query Segments { segments { id } }';
    const reg = await gql(stack, 'mutation($q: [String!]!) { registerOperations(queries: $q) { id name } }', { q: [allowed] });
    assert.deepEqual(reg.json.data.registerOperations, [{ id: sha(allowed), name: 'Segments' }]);
    const made = await gql(stack, 'mutation { createApiKey(input: { name: "web", scopes: ["segments:read", "profiles:read"], persistedQueriesOnly: true }) { key apiKey { persistedQueriesOnly } } }');
    const { key, apiKey } = made.json.data.createApiKey;
    assert.equal(apiKey.persistedQueriesOnly, true);

    const byHash = await postJson(stack.graphqlUrl, apq(sha(allowed)), key);
    assert.equal(byHash.status, 200, JSON.stringify(byHash.json));
    assert.ok(Array.isArray(byHash.json.data.segments), 'the registered text ran from its hash alone');
    assert.equal((await postJson(stack.graphqlUrl, { query: allowed }, key)).status, 200);
    for (const body of [{ query: '{ users { edges { node { id traits } } } }' }, apq(sha(allowed), '{ users { edges { node { id } } } }'), apq('0'.repeat(64))]) {
      const r = await postJson(stack.graphqlUrl, body, key);
      assert.equal(r.status, 403, JSON.stringify(body));
      assert.equal(r.json.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_IN_LIST');
    }
    // Other keys are not bound by the list.
    assert.equal((await gql(stack, '{ users { edges { node { id } } } }')).json.errors, undefined);
    const bad = await gql(stack, 'mutation($q: [String!]!) { registerOperations(queries: $q) { id } }', { q: ['{ not graphql'] });
    assert.equal(bad.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});
