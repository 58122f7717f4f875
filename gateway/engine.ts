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
 * Hive Gateway's runtime with Hive Router's query planner (Rust, N-API, shipped prebuilt in
 * `@graphql-hive/router-query-planner`) over remote subgraphs, at the URLs in the supergraph: `npm run gateway
 * --engine hive`, kept to compare the product's engine (the same planner, opsgraph's executor) with Hive's own.
 * No auth, no limits: a tool for public fixtures.
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
