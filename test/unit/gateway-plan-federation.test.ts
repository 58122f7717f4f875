import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { composeServices } from '@apollo/composition';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, type GraphQLSchema } from 'graphql';
import { PlanGateway } from '../../gateway/queryPlan/planGateway.js';

/*
 * Federation cases the product's own supergraph does not have, answered by the plan engine (PlanGateway) over
 * in-process subgraphs: interface objects, an entity no later fetch applies to, a key an earlier fetch could not
 * resolve, and one field required with two arguments. Modelled on the federation gateway audit's suites of the same
 * names (simple-interface-object, typename, null-keys, requires-with-argument-conflict); the answers are the ones the
 * audit expects.
 */

const LINK = (imports: string[]) => `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ${JSON.stringify(imports)})`;
const users = [{ id: 'u1', name: 'Ann', username: 'ann', age: 11 }, { id: 'u2', name: 'Bo', username: 'bo', age: 22 }];
const accounts = [{ __typename: 'Admin', id: 'a1', name: 'Alice', isMain: true }, { __typename: 'Regular', id: 'a2', name: 'Carl', isMain: false }];
const books = [{ upc: 'b1', id: '1', author: 'Ada' }, { upc: 'b2', id: '2', author: 'Bea' }];
const products = [{ upc: 'p1', usd: 10, eur: 9 }];

const SUBGRAPHS: Record<string, { typeDefs: string; resolvers: Record<string, unknown> }> = {
  // Knows the implementations of the NodeWithName and Account interfaces; needs Product.price with two arguments.
  a: {
    typeDefs: `${LINK(['@key', '@external', '@requires'])}
      type Query { users: [NodeWithName!]! }
      interface NodeWithName @key(fields: "id") { id: ID! name: String }
      type User implements NodeWithName @key(fields: "id") { id: ID! name: String age: Int }
      interface Account @key(fields: "id") { id: ID! }
      type Admin implements Account @key(fields: "id") { id: ID! isMain: Boolean }
      type Regular implements Account @key(fields: "id") { id: ID! isMain: Boolean }
      type Product @key(fields: "upc") {
        upc: String!
        price(currency: String!): Int @external
        shippingUSD: Int @requires(fields: "price(currency: \\"USD\\")")
        shippingEUR: Int @requires(fields: "price(currency: \\"EUR\\")")
      }`,
    resolvers: {
      Query: { users: () => users.map((u) => ({ __typename: 'User', ...u })) },
      NodeWithName: { __resolveReference: ({ id }: { id: string }) => ({ __typename: 'User', ...users.find((u) => u.id === id) }) },
      User: { __resolveReference: ({ id }: { id: string }) => users.find((u) => u.id === id) },
      Account: { __resolveReference: ({ id }: { id: string }) => accounts.find((a) => a.id === id) },
      Admin: { __resolveReference: ({ id }: { id: string }) => accounts.find((a) => a.id === id) },
      Regular: { __resolveReference: ({ id }: { id: string }) => accounts.find((a) => a.id === id) },
      Product: {
        shippingUSD: ({ price }: { price: number }) => price * 2,
        shippingEUR: ({ price }: { price: number }) => price * 3,
      },
    },
  },
  // Sees both interfaces as interface objects: it answers `__typename` with the interface's name.
  b: {
    typeDefs: `${LINK(['@key', '@interfaceObject'])}
      type Query { anotherUsers: [NodeWithName] accounts: [Account] products: [Product] books: [Book] }
      type NodeWithName @key(fields: "id") @interfaceObject { id: ID! username: String }
      type Account @key(fields: "id") @interfaceObject { id: ID! name: String }
      type Product @key(fields: "upc") { upc: String! price(currency: String!): Int }
      type Book @key(fields: "upc") { upc: String! }`,
    resolvers: {
      Query: {
        anotherUsers: () => users.map(({ id }) => ({ id })),
        accounts: () => accounts.map(({ id }) => ({ id })),
        products: () => products.map(({ upc }) => ({ upc })),
        books: () => [...books.map(({ upc }) => ({ upc })), { upc: 'b3' }],
      },
      NodeWithName: {
        __resolveReference: ({ id }: { id: string }) => ({ id }),
        username: ({ id }: { id: string }) => users.find((u) => u.id === id)?.username,
      },
      Account: { __resolveReference: ({ id }: { id: string }) => accounts.find((a) => a.id === id) },
      Product: {
        __resolveReference: ({ upc }: { upc: string }) => ({ upc }),
        price: ({ upc }: { upc: string }, { currency }: { currency: string }) => {
          const product = products.find((p) => p.upc === upc)!;
          return currency === 'EUR' ? product.eur : product.usd;
        },
      },
    },
  },
  // The only way from a book's upc to its id: b3 is not here, so its author cannot be fetched.
  c: {
    typeDefs: `${LINK(['@key'])}
      type Book @key(fields: "id") @key(fields: "upc") { id: ID! upc: String! }`,
    resolvers: { Book: { __resolveReference: (ref: { upc?: string; id?: string }) => books.find((b) => b.upc === ref.upc || b.id === ref.id) ?? null } },
  },
  d: {
    typeDefs: `${LINK(['@key'])}
      type Book @key(fields: "id") { id: ID! author: String }`,
    resolvers: {
      Book: {
        __resolveReference: ({ id }: { id?: string }) => {
          if (!id) throw new Error('a Book reference without its id');
          return books.find((b) => b.id === id);
        },
      },
    },
  },
};

let server: ApolloServer;
let fetches: Array<{ service: string; variables?: Record<string, unknown> }>;

before(async () => {
  const composed = composeServices(Object.entries(SUBGRAPHS).map(([name, s]) => ({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(s.typeDefs) })));
  assert.deepEqual(composed.errors ?? [], []);
  const schemas: Record<string, GraphQLSchema> = Object.fromEntries(
    Object.entries(SUBGRAPHS).map(([name, s]) => [name, buildSubgraphSchema({ typeDefs: parse(s.typeDefs), resolvers: s.resolvers as never })]),
  );
  const gateway = new PlanGateway(composed.supergraphSdl!, async (service, request) => {
    fetches.push({ service, variables: request.variables as Record<string, unknown> | undefined });
    const result = await execute({ schema: schemas[service]!, document: parse(request.query), variableValues: request.variables as Record<string, unknown> });
    return JSON.parse(JSON.stringify({ data: result.data, errors: result.errors?.map((e) => e.toJSON()) }));
  });
  server = new ApolloServer({ gateway });
  await server.start();
  return () => server.stop();
});

async function ask(query: string): Promise<unknown> {
  fetches = [];
  const response = await server.executeOperation({ query });
  assert.equal(response.body.kind, 'single');
  const { data, errors } = (response.body as { singleResult: { data?: unknown; errors?: unknown } }).singleResult;
  return errors ? { data, errors } : { data };
}

describe('the plan engine on federation cases the product supergraph lacks', () => {
  it('an interface object keeps the concrete __typename another subgraph gave, and takes it when it had only the interface', async () => {
    assert.deepEqual(await ask('{ users { __typename id username } }'), {
      data: { users: [{ __typename: 'User', id: 'u1', username: 'ann' }, { __typename: 'User', id: 'u2', username: 'bo' }] },
    });
    assert.deepEqual(await ask('{ anotherUsers { __typename ... on User { age } } }'), {
      data: { anotherUsers: [{ __typename: 'User', age: 11 }, { __typename: 'User', age: 22 }] },
    });
  });

  it('sends no representation for an object the next fetch does not apply to', async () => {
    assert.deepEqual(await ask('{ accounts { ... on Admin { name isMain } } }'), { data: { accounts: [{ name: 'Alice', isMain: true }, {}] } });
    // b resolves `name` for the Admin only: one representation in the last fetch, not one per account.
    const last = fetches.at(-1)!;
    assert.equal(last.service, 'b');
    assert.deepEqual(last.variables?.representations, [{ __typename: 'Account', id: 'a1' }]);
  });

  it('leaves a field null, without an error, when the key its fetch needs could not be resolved', async () => {
    assert.deepEqual(await ask('{ books { upc author } }'), {
      data: { books: [{ upc: 'b1', author: 'Ada' }, { upc: 'b2', author: 'Bea' }, { upc: 'b3', author: null }] },
    });
    assert.equal(fetches.filter((f) => f.service === 'd').length, 1);
  });

  it('requires one field with two arguments, each value reaching its own field', async () => {
    assert.deepEqual(await ask('{ products { upc shippingUSD shippingEUR } }'), { data: { products: [{ upc: 'p1', shippingUSD: 20, shippingEUR: 27 }] } });
  });
});
