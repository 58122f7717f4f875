import { randomUUID } from 'node:crypto';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type HTTPGraphQLResponse } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Logger } from '@aws-lambda-powertools/logger';
import { createLogger } from '../core/platform/logger.js';
import { SUPERGRAPH_SDL } from '../schema/sdl.generated.js';
import type { RequestContext } from '../subgraphs/context.js';
import type { SubgraphName } from '../schema/compose.js';
import { buildSubgraphSchemas, isSubgraphName, loadSubgraphSchema } from '../subgraphs/schemas.js';
import { queryLimitsPlugin } from './limits.js';
import { CachedLocalDataSource } from './localDataSource.js';
import { PlanGateway } from './queryPlan/planGateway.js';
import { BoundedCache, noStorePlugin } from './serverCaches.js';

/**
 * The federated gateway with the three subgraphs in the same process: Apollo Server for HTTP, parsing, validation
 * and the plugins, over `PlanGateway` (Hive Router's planner and opsgraph's plan executor) with the committed
 * supergraph. Each subgraph is called in process (no HTTP hop) through CachedLocalDataSource, which parses and
 * validates each distinct fetch operation once, with the caller's RequestContext. `engine` swaps in another
 * gateway (the benchmark's @apollo/gateway baselines). The same code runs in the graphql Lambda and in the local
 * runtime.
 *
 * @example
 * const server = await startGateway();
 * const response = await executeGraphQL(server, { method: 'POST', headers, body }, context);
 */
export async function startGateway(
  options: {
    /** Another federation engine over the same supergraph (the benchmarks' baselines); default the plan gateway. */
    engine?: (schemas: SubgraphSchemas) => GatewayInterface;
    logger?: Pick<Logger, 'error'>;
    /** Introspection and "Did you mean" suggestions (default on; the graphql function follows its stage). */
    exposeSchema?: boolean;
  } = {},
): Promise<ApolloServer<RequestContext>> {
  const gateway = options.engine ? options.engine(await buildSubgraphSchemas()) : inProcessPlanGateway();
  const server = new ApolloServer<RequestContext>({
    gateway,
    plugins: [
      queryLimitsPlugin, errorMaskingPlugin(options.logger ?? createLogger()), forbiddenStatusPlugin,
      // Nothing is reported to Apollo: installed disabled, their code (and protobuf) is left out of the bundle.
      ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginCacheControlDisabled(), noStorePlugin,
    ],
    // Automatic persisted query texts kept per container.
    cache: new BoundedCache<string>(1_000),
    // Parsed and validated documents: Apollo's default store (30 MiB). A store given here costs every cold start a
    // printSchema and hash of the API schema for its key prefix, about 20 ms (npm run bench:gateway -- --only lambda).
    documentStore: undefined,
    introspection: options.exposeSchema ?? true,
    // Outside dev, validation errors do not suggest field names: they would spell out the schema piece by piece.
    hideSchemaDetailsFromClientErrors: !(options.exposeSchema ?? true),
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false,
    // The local runtime and Lambda own process signals; Apollo re-raising SIGINT would stop twice.
    stopOnTerminationSignals: false,
    // Last line of defence; errorMaskingPlugin masks (and logs) with the request id before this runs.
    formatError: (formatted) => maskError(formatted, undefined),
  });
  await server.start();
  return server;
}

/** The three subgraphs' executable schemas, by subgraph name. */
export type SubgraphSchemas = Awaited<ReturnType<typeof buildSubgraphSchemas>>;

/**
 * The product's engine over in-process subgraphs (the default of `startGateway`). Each subgraph's schema is loaded
 * on its first fetch (`loadSubgraphSchema`, or `schemaOf` when given), so a cold start builds only those its first
 * request reaches.
 */
export function inProcessPlanGateway(schemaOf: (name: SubgraphName) => Promise<GraphQLSchema> = loadSubgraphSchema): PlanGateway {
  const sources = new Map<SubgraphName, Promise<CachedLocalDataSource>>();
  return new PlanGateway(SUPERGRAPH_SDL, async (service, request, context) => {
    if (!isSubgraphName(service)) throw new Error(`no in-process subgraph ${service}`);
    let source = sources.get(service);
    if (!source) sources.set(service, (source = schemaOf(service).then((schema) => new CachedLocalDataSource(schema))));
    return (await source).execute(request, context);
  });
}

/**
 * Error codes a client may see with their own message: typed errors the subgraphs and the gateway raise on purpose
 * (a subgraph's typed error keeps its code through the gateway). Everything else, a DOWNSTREAM_SERVICE_ERROR carrying
 * a raw DynamoDB message included, is masked.
 */
export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'RATE_LIMITED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'QUERY_TOO_DEEP',
  'QUERY_TOO_COSTLY',
  'TOO_MANY_ALIASES',
  'PREVIEW_BUDGET_EXCEEDED',
]);

/** Only the extensions a known error may show (no serviceName, stacktrace or exception from downstream). */
const SAFE_EXTENSIONS = ['code', 'field', 'ruleError', 'position', 'limit', 'cost', 'depth', 'aliases', 'remaining', 'problems', 'reason', 'currentVersion'];

/** A known typed error as it is (minus internals), anything else as `internal error` with the request id. */
export function maskError(formatted: GraphQLFormattedError, requestId: string | undefined): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) {
    const extensions: Record<string, unknown> = {};
    for (const k of SAFE_EXTENSIONS) if (formatted.extensions?.[k] !== undefined) extensions[k] = formatted.extensions[k];
    return { message: formatted.message, ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}), extensions };
  }
  // errorMaskingPlugin logged the original under the request id (and replaces this one's id with it).
  const id = requestId ?? (typeof formatted.extensions?.requestId === 'string' ? formatted.extensions.requestId : randomUUID());
  return { message: 'internal error', ...(formatted.path ? { path: formatted.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: id } };
}

/**
 * Masks every error of a response that is not a known typed error, downstream (subgraph) errors included, and logs
 * the original server-side under a request id the client gets in `extensions.requestId`.
 */
const errorMaskingPlugin = (log: Pick<Logger, 'error'>): ApolloServerPlugin<RequestContext> => ({
  async requestDidStart() {
    const requestId = randomUUID();
    return {
      async didEncounterErrors({ errors }) {
        for (const error of errors) {
          const code = error.extensions?.code;
          if (typeof code === 'string' && CLIENT_ERROR_CODES.has(code)) continue;
          log.error('graphql internal error', { requestId, code, error: error.message, path: error.path, stack: error.stack });
        }
      },
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single' || !response.body.singleResult.errors) return;
        response.body.singleResult.errors = response.body.singleResult.errors.map((e) => maskError(e, requestId));
      },
    };
  },
});

/**
 * A request refused whole for its key's scopes answers HTTP 403, as a REST route would: every error is FORBIDDEN and
 * no root field has data. A request with some fields allowed stays 200 with its partial data (GraphQL's way).
 */
const forbiddenStatusPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const { errors, data } = response.body.singleResult;
        if (!errors?.length || !errors.every((e) => e.extensions?.code === 'FORBIDDEN')) return;
        if (data && Object.values(data).some((v) => v !== null)) return;
        response.http.status = 403;
      },
    };
  },
};

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
