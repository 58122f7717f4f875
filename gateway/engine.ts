import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import http from '@graphql-mesh/transport-http';

export interface RemoteGatewayOptions {
  /** The composed supergraph SDL (Federation 2, `join__graph` URLs for the subgraphs). */
  supergraphSdl: string;
  /**
   * Merge identical concurrent subgraph requests (same URL, headers and body) into one. Only correct when every
   * request that could be merged carries the same caller context; off by default.
   */
  dedupeSubgraphRequests?: boolean;
}

/**
 * The gateway engine over remote subgraphs: Hive Gateway's runtime with Hive Router's query planner (Rust, N-API,
 * shipped prebuilt in `@graphql-hive/router-query-planner`). Subgraphs are called over HTTP at the URLs in the
 * supergraph. No auth, no limits: this is the engine as a tool (`npm run gateway`), for public fixtures.
 */
export function createRemoteGateway(options: RemoteGatewayOptions): GatewayRuntime {
  return createGatewayRuntime({
    supergraph: options.supergraphSdl,
    unifiedGraphHandler,
    transports: { http },
    transportEntries: { '*.http': { options: { deduplicateInflightRequests: options.dedupeSubgraphRequests ?? false } } },
    logging: false,
    landingPage: false,
    graphiql: false,
    graphqlEndpoint: '/graphql',
  });
}
