import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { execute, GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { SUPERGRAPH_SDL } from '../schema/sdl.generated.js';
import type { RequestContext } from '../subgraphs/context.js';
import { buildSubgraphSchemas } from '../subgraphs/schemas.js';
import type { GraphQLHttpRequest, GraphQLHttpResult } from './gateway.js';
import { MAX_ALIASES, MAX_COST, MAX_DEPTH, measureQuery } from './limits.js';

/**
 * PROTOTYPE, not wired into the product: the product's supergraph on the Hive engine (Hive runtime + Hive Router's
 * Rust planner), the three subgraphs executed in process from the plan's parsed fetch documents (no HTTP hop, no
 * parse, no validation per fetch). The caller's RequestContext travels in the server context (`opsgraph`), so a
 * subgraph resolver sees exactly the context of the request it serves. `npm run bench:gateway -- --only product`
 * measures it beside @apollo/gateway; see the issue report for what switching the handler to it would take
 * (HTTP status and error shape parity with Apollo Server, bundle size).
 */
export function createProductHiveGateway(): GatewayRuntime<{ opsgraph: RequestContext }> {
  const schemas = buildSubgraphSchemas() as Record<string, GraphQLSchema>;
  const local = {
    getSubgraphExecutor({ subgraphName }: { subgraphName: string }) {
      const schema = schemas[subgraphName.toLowerCase()];
      if (!schema) throw new Error(`no in-process subgraph ${subgraphName}`);
      return (req: { document: DocumentNode; variables?: Record<string, unknown>; operationName?: string; context?: { opsgraph?: RequestContext } }) =>
        execute({ schema, document: req.document, variableValues: req.variables, operationName: req.operationName, contextValue: req.context?.opsgraph });
    },
  };
  return createGatewayRuntime<{ opsgraph: RequestContext }>({
    supergraph: SUPERGRAPH_SDL,
    unifiedGraphHandler,
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the transport getter's executor type is graphql-tools'
    transports: () => local as any,
    logging: false,
    landingPage: false,
    graphiql: false,
    graphqlEndpoint: '/graphql',
    maskedErrors: {
      maskError(error) {
        const e = error as GraphQLError;
        const code = e.extensions?.code;
        if (e instanceof GraphQLError && code !== undefined && code !== 'INTERNAL_SERVER_ERROR') return e;
        return new GraphQLError('internal error', { extensions: { code: 'INTERNAL_SERVER_ERROR' }, path: e.path });
      },
    },
    plugins: () => [
      {
        onExecute({ args }: { args: { document: DocumentNode; schema: GraphQLSchema; variableValues?: Record<string, unknown> | null } }) {
          // Priced as the product gateway prices it: variables, schema defaults, aliases and fragments counted.
          const { depth, cost, aliases } = measureQuery(args.document, args.schema, args.variableValues ?? {});
          if (aliases > MAX_ALIASES) throw new GraphQLError(`query uses ${aliases} aliases, over the limit of ${MAX_ALIASES}`, { extensions: { code: 'TOO_MANY_ALIASES', http: { status: 400 } } });
          if (depth > MAX_DEPTH) throw new GraphQLError(`query depth ${depth} exceeds the limit of ${MAX_DEPTH}`, { extensions: { code: 'QUERY_TOO_DEEP', http: { status: 400 } } });
          if (cost > MAX_COST) throw new GraphQLError(`query cost ${cost} exceeds the limit of ${MAX_COST}`, { extensions: { code: 'QUERY_TOO_COSTLY', http: { status: 400 } } });
        },
      },
    ],
  });
}

/** One HTTP GraphQL request through the Hive product gateway, with the caller's context. */
export async function executeHiveGraphQL(runtime: GatewayRuntime<{ opsgraph: RequestContext }>, request: GraphQLHttpRequest, context: RequestContext): Promise<GraphQLHttpResult> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) if (v !== undefined) headers[k.toLowerCase()] = v;
  const res = await runtime.fetch(
    `http://localhost/graphql${request.search ? `?${request.search}` : ''}`,
    { method: request.method.toUpperCase(), headers, body: request.method.toUpperCase() === 'GET' ? undefined : request.body },
    { opsgraph: context },
  );
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}
