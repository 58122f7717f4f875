import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFixture, type Fixture } from '../../bench/gateway-fixture.js';
import { startGatewayServer, type ServedGateway } from '../../gateway/serve.js';

// `npm run gateway`'s engines (the product's plan engine, and the Hive runtime, both on Hive Router's planner)
// against @apollo/gateway on the public benchmark fixture, its subgraphs on a free loopback port.
let fixture: Fixture;
const gateways: ServedGateway[] = [];

async function post(g: ServedGateway, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${g.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { data?: Record<string, unknown[]>; errors?: unknown[] } };
}

before(async () => {
  fixture = await startFixture(0);
});
after(async () => {
  for (const g of gateways) await g.close();
  await fixture.close();
});

describe('npm run gateway engine on the federation fixture', () => {
  it('serves the fixture query with the same response as @apollo/gateway, merging off and on', async () => {
    const apollo = await startGatewayServer({ engine: 'apollo', supergraphSdl: fixture.supergraph, port: 0 });
    const plan = await startGatewayServer({ engine: 'plan', supergraphSdl: fixture.supergraph, port: 0 });
    const hive = await startGatewayServer({ engine: 'hive', supergraphSdl: fixture.supergraph, port: 0 });
    const merged = await startGatewayServer({ engine: 'plan', supergraphSdl: fixture.supergraph, port: 0, dedupe: true });
    const hiveMerged = await startGatewayServer({ engine: 'hive', supergraphSdl: fixture.supergraph, port: 0, dedupe: true });
    gateways.push(apollo, plan, hive, merged, hiveMerged);
    const expected = await post(apollo, { query: fixture.query });
    assert.equal(expected.status, 200);
    assert.equal(expected.json.errors, undefined);
    assert.ok(expected.json.data?.users?.length && expected.json.data?.topProducts?.length);
    for (const g of [plan, hive, merged, hiveMerged]) {
      const [a, b] = await Promise.all([post(g, { query: fixture.query }), post(g, { query: fixture.query })]);
      assert.equal(a.status, 200);
      assert.equal(JSON.stringify(a.json), JSON.stringify(expected.json));
      assert.equal(JSON.stringify(b.json), JSON.stringify(expected.json));
    }
  });

  it('answers a query with variables and an unknown field like a GraphQL server', async () => {
    for (const g of gateways.slice(1, 3)) {
      const ok = await post(g, { query: 'query($n: Int) { topProducts(first: $n) { upc name inStock } }', variables: { n: 2 } });
      assert.deepEqual(ok.json, { data: { topProducts: [{ upc: '1', name: 'Table', inStock: true }, { upc: '2', name: 'Couch', inStock: false }] } });
      const bad = await post(g, { query: '{ nope }' });
      assert.ok(bad.json.errors?.length);
    }
  });

  /** The plan engine over `supergraphSdl` asked for a product: its answer's one error, after checking the rest. */
  async function productsError(supergraphSdl: string) {
    assert.notEqual(supergraphSdl, fixture.supergraph);
    const g = await startGatewayServer({ engine: 'plan', supergraphSdl, port: 0 });
    gateways.push(g);
    const res = await post(g, { query: '{ topProducts(first: 1) { upc } }' });
    assert.equal(res.status, 200);
    assert.equal(res.json.data?.topProducts ?? null, null);
    const [error] = (res.json.errors ?? []) as Array<{ message?: string; extensions?: { code?: string } }>;
    assert.equal(error?.extensions?.code, 'DOWNSTREAM_SERVICE_ERROR');
    return String(error?.message);
  }

  it('answers with an error, not a failed request, when a subgraph cannot be reached', async () => {
    // The products subgraph moved to a port nothing listens on (loopback, port 1).
    const moved = fixture.supergraph.replace(/url: "http:\/\/127\.0\.0\.1:\d+\/products"/, 'url: "http://127.0.0.1:1/products"');
    assert.match(await productsError(moved), /could not be reached/);
  });

  it('answers with an error when a subgraph answers without a GraphQL body', async () => {
    // The products subgraph moved to a path the fixture answers with an empty 404.
    const moved = fixture.supergraph.replace(/(url: "http:\/\/127\.0\.0\.1:\d+\/)products"/, '$1missing"');
    assert.match(await productsError(moved), /answered HTTP 404 without a GraphQL body/);
  });
});
