import { ApolloGateway, LocalGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer, HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { SUPERGRAPH_SDL } from '../schema/sdl.generated.js';
import type { RequestContext } from '../subgraphs/context.js';
import { buildSubgraphSchemas } from '../subgraphs/schemas.js';
import { queryLimitsPlugin } from './limits.js';
import { CachedLocalDataSource } from './localDataSource.js';

/**
 * The federated gateway with the three subgraphs in the same process: the supergraph is loaded statically (no
 * introspection at start), and each subgraph is called in process (no HTTP hop) through CachedLocalDataSource, which
 * parses and validates each distinct fetch operation once instead of on every fetch (`reparseEachFetch` restores
 * Apollo's LocalGraphQLDataSource, the baseline `npm run bench:gateway` compares against).
 * The same code runs in the graphql Lambda and in the local runtime. Both set `APOLLO_TELEMETRY_DISABLED` (see
 * `ENV.apolloTelemetryDisabled` in core/platform/definitions.ts), which the gateway's constructor reads.
 *
 * @example
 * const server = await startGateway();
 * const response = await executeGraphQL(server, { method: 'POST', headers, body }, context);
 */
export async function startGateway(options: { reparseEachFetch?: boolean } = {}): Promise<ApolloServer<RequestContext>> {
  const schemas = buildSubgraphSchemas();
  const gateway = new ApolloGateway({
    supergraphSdl: SUPERGRAPH_SDL,
    buildService: ({ name }) => {
      const schema = schemas[name as keyof typeof schemas];
      return options.reparseEachFetch ? new LocalGraphQLDataSource(schema) : new CachedLocalDataSource(schema);
    },
  });
  const server = new ApolloServer<RequestContext>({
    gateway,
    plugins: [queryLimitsPlugin],
    introspection: true,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false,
    // The local runtime and Lambda own process signals; Apollo re-raising SIGINT would stop twice.
    stopOnTerminationSignals: false,
    formatError: (formatted) => {
      // Internal errors keep their code but not their message: no table names or stack traces leak out.
      const code = formatted.extensions?.code;
      if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
        return { message: 'internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: formatted.path };
      }
      return formatted;
    },
  });
  await server.start();
  return server;
}

export interface GraphQLHttpRequest {
  method: string;
  headers: Record<string, string | undefined>;
  body: string;
  search: string;
}

export interface GraphQLHttpResult {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Runs one HTTP GraphQL request through the gateway. */
export async function executeGraphQL(
  server: ApolloServer<RequestContext>,
  request: GraphQLHttpRequest,
  context: RequestContext,
): Promise<GraphQLHttpResult> {
  const headers = new HeaderMap();
  for (const [k, v] of Object.entries(request.headers)) if (v !== undefined) headers.set(k.toLowerCase(), v);
  let body: unknown = undefined;
  if (request.body) {
    try {
      body = JSON.parse(request.body);
    } catch {
      return {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ errors: [{ message: 'body is not JSON', extensions: { code: 'BAD_REQUEST' } }] }),
      };
    }
  }
  const response: HTTPGraphQLResponse = await server.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: request.method.toUpperCase(), headers, body, search: request.search },
    context: async () => context,
  });
  let text = '';
  if (response.body.kind === 'complete') text = response.body.string;
  else for await (const chunk of response.body.asyncIterator) text += chunk;
  return { status: response.status ?? 200, headers: Object.fromEntries(response.headers), body: text };
}
