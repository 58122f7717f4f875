import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import { createRemoteGateway } from './engine.js';
import { PlanGateway } from './queryPlan/planGateway.js';
import { remoteSubgraphs } from './queryPlan/remoteSubgraphs.js';

/** `plan`: the product's engine (PlanGateway); `hive`: Hive Gateway's runtime; `apollo`: @apollo/gateway. */
export type EngineName = 'plan' | 'hive' | 'apollo';

export interface GatewayServerOptions {
  engine: EngineName;
  supergraphSdl: string;
  port: number;
  host?: string;
  /** Merge identical in-flight subgraph requests (plan and hive engines; @apollo/gateway has no such option). */
  dedupe?: boolean;
}

export interface ServedGateway {
  server: Server;
  host: string;
  port: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/** Apollo Server over a gateway engine (the plan engine, or @apollo/gateway), behind a plain node:http adapter. */
async function apolloHandler(gateway: GatewayInterface) {
  const apollo = new ApolloServer({
    gateway,
    csrfPrevention: false,
    stopOnTerminationSignals: false,
    introspection: true,
  });
  await apollo.start();
  const handle = async (req: IncomingMessage, res: import('node:http').ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health' || url.pathname === '/healthcheck') return void res.writeHead(200).end('OK');
    if (url.pathname !== '/graphql') return void res.writeHead(404).end();
    const text = await readBody(req);
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"body is not JSON"}]}');
    }
    const r = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'POST', headers, body, search: url.search.replace(/^\?/, '') },
      context: async () => ({}),
    });
    for (const [k, v] of r.headers) res.setHeader(k, v);
    res.statusCode = r.status ?? 200;
    if (r.body.kind === 'complete') res.end(r.body.string);
    else {
      for await (const chunk of r.body.asyncIterator) res.write(chunk);
      res.end();
    }
  };
  return { handle, stop: () => apollo.stop() };
}

/** Serves a supergraph over HTTP on `host:port` (`POST /graphql`) with the chosen engine. */
export async function startGatewayServer(options: GatewayServerOptions): Promise<ServedGateway> {
  const host = options.host ?? '127.0.0.1';
  let server: Server;
  let stop: () => Promise<unknown>;
  if (options.engine === 'hive') {
    const runtime = createRemoteGateway({ supergraphSdl: options.supergraphSdl, dedupeSubgraphRequests: options.dedupe });
    server = createServer((req, res) => {
      if (req.url === '/health') return void res.writeHead(200).end('OK');
      void runtime(req, res);
    });
    stop = async () => {
      await runtime.dispose();
    };
  } else {
    const gateway = options.engine === 'plan'
      ? new PlanGateway(options.supergraphSdl, remoteSubgraphs(options.supergraphSdl, { dedupe: options.dedupe }))
      : new ApolloGateway({ supergraphSdl: options.supergraphSdl });
    const apollo = await apolloHandler(gateway);
    server = createServer((req, res) => {
      apollo.handle(req, res).catch((err) => {
        console.error('[gateway] request failed:', err);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    stop = apollo.stop;
  }
  const port = await listen(server, options.port, host);
  return {
    server,
    host,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await stop();
    },
  };
}
