/**
 * The public graphql-gateways-benchmark fixture (`../shared/bench/federation`): its four subgraphs ported from
 * that folder's subgraphs.mjs so they resolve this project's dependencies, served on one loopback port
 * (`/accounts`, `/inventory`, `/products`, `/reviews`, `/health`). Port 0 picks a free port; the supergraph's
 * subgraph URLs are rewritten to it. Used by `npm run bench:gateway` and the gateway e2e test.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
/** The fixture folder: `--fixture DIR`, `OPSGRAPH_FEDERATION_FIXTURE`, or `../shared/bench/federation`. */
export function fixtureDir(): string {
  const i = process.argv.indexOf('--fixture');
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1]!;
  if (process.env.OPSGRAPH_FEDERATION_FIXTURE) return process.env.OPSGRAPH_FEDERATION_FIXTURE;
  return join(here, '..', '..', 'shared', 'bench', 'federation');
}

/* eslint-disable @typescript-eslint/no-explicit-any -- untyped fixture resolvers, ported as they are */
function subgraphDefs(dir: string) {
  const USERS = [['1', 'Uri Goldshtein', 'urigo'], ['2', 'Dotan Simha', 'dotansimha'], ['3', 'Kamil Kisiela', 'kamilkisiela'], ['4', 'Arda Tanrikulu', 'ardatan'], ['5', 'Gil Gardosh', 'gilgardosh'], ['6', 'Laurin Quast', 'laurin']]
    .map(([id, name, username]) => ({ id, name, username, birthday: 1234567890 }));
  const PRODUCTS = ([['1', 'Table', 899, 100], ['2', 'Couch', 1299, 1000], ['3', 'Glass', 15, 20], ['4', 'Chair', 499, 100], ['5', 'TV', 1299, 1000], ['6', 'Lamp', 6999, 300], ['7', 'Grill', 3999, 2000], ['8', 'Fridge', 100000, 6000], ['9', 'Sofa', 9999, 800]] as const)
    .map(([upc, name, price, weight]) => ({ upc, name, price, weight }));
  const IN_STOCK: Record<string, boolean> = { 1: true, 2: false, 3: false, 4: false, 5: true, 6: true, 7: true, 8: false, 9: true };
  const REVIEWS = (JSON.parse(readFileSync(join(dir, 'reviews.json'), 'utf8')) as { id: string; body: string; upc: string }[])
    .map((r) => ({ id: r.id, body: r.body, product: { upc: r.upc } }));
  return {
    accounts: {
      typeDefs: `type Query { me: User user(id: ID!): User users: [User] }
        type User @key(fields: "id") { id: ID! name: String username: String birthday: Int }`,
      resolvers: {
        Query: { me: () => USERS[0], user: (_: unknown, { id }: any) => USERS.find((u) => u.id === id), users: () => USERS },
        User: { __resolveReference: (ref: any) => USERS.find((u) => u.id === ref.id) },
      },
    },
    inventory: {
      typeDefs: `extend type Product @key(fields: "upc") { upc: String! @external weight: Int @external price: Int @external
          inStock: Boolean shippingEstimate: Int @requires(fields: "price weight") }`,
      resolvers: {
        Product: {
          __resolveReference: (ref: any) => ({ upc: ref.upc, inStock: IN_STOCK[ref.upc], price: null, weight: null }),
          shippingEstimate: (p: any) => (p.price == null ? null : p.price > 1000 ? 0 : p.weight == null ? null : Math.floor(p.weight / 2)),
        },
      },
    },
    products: {
      typeDefs: `extend type Query { topProducts(first: Int = 5): [Product] }
        type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }`,
      resolvers: {
        Query: { topProducts: (_: unknown, { first }: any) => PRODUCTS.slice(0, first ?? 5) },
        Product: { __resolveReference: (ref: any) => PRODUCTS.find((p) => p.upc === ref.upc) },
      },
    },
    reviews: {
      typeDefs: `type Review @key(fields: "id") { id: ID! body: String product: Product author: User @provides(fields: "username") }
        extend type User @key(fields: "id") { id: ID! @external username: String @external reviews: [Review] }
        extend type Product @key(fields: "upc") { upc: String! @external reviews: [Review] }`,
      resolvers: {
        Review: {
          __resolveReference: (ref: any) => REVIEWS.find((r) => r.id === ref.id),
          author: () => ({ id: '1', username: 'urigo', reviews: REVIEWS.slice(0, 2) }),
        },
        User: { __resolveReference: (ref: any) => ({ id: ref.id, username: 'user', reviews: REVIEWS.slice(0, 2) }) },
        Product: {
          __resolveReference: (ref: any) => ({ upc: ref.upc }),
          reviews: (p: any) => REVIEWS.filter((r) => r.product.upc === p.upc),
        },
      },
    },
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export interface Fixture {
  server: Server;
  port: number;
  /** The fixture's supergraph with its subgraph URLs pointing at this server. */
  supergraph: string;
  /** The load query. */
  query: string;
  close(): Promise<void>;
}

/** Starts the fixture's four subgraphs on 127.0.0.1 (port 0: any free port). */
export async function startFixture(port = 0, dir = fixtureDir()): Promise<Fixture> {
  const servers = new Map<string, ApolloServer>();
  for (const [name, { typeDefs, resolvers }] of Object.entries(subgraphDefs(dir))) {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const s = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as any }), stopOnTerminationSignals: false, plugins: [ApolloServerPluginInlineTraceDisabled()] });
    await s.start();
    servers.set('/' + name, s);
  }
  const server = createServer(async (req, res) => {
    const url = (req.url ?? '/').split('?')[0]!;
    if (url === '/health') return void res.end('OK');
    const s = servers.get(url);
    if (!s) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const r = await s.executeHTTPGraphQLRequest({ httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body }, context: async () => ({}) });
    for (const [k, v] of r.headers) res.setHeader(k, v);
    res.statusCode = r.status || 200;
    if (r.body.kind === 'complete') res.end(r.body.string);
    else {
      for await (const chunk of r.body.asyncIterator) res.write(chunk);
      res.end();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  const supergraph = readFileSync(join(dir, 'supergraph.graphql'), 'utf8').replaceAll('http://127.0.0.1:4200/', `http://127.0.0.1:${actual}/`);
  const query = readFileSync(join(dir, 'query.graphql'), 'utf8');
  return {
    server,
    port: actual,
    supergraph,
    query,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of servers.values()) await s.stop();
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const f = await startFixture(Number(process.env.PORT ?? 4200));
  // The first line is read by bench/gateway.ts: the port.
  console.log(`fixture subgraphs on http://127.0.0.1:${f.port}/{accounts,inventory,products,reviews}`);
  const stop = () => void f.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
