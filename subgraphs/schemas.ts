import { parse, type GraphQLSchema } from 'graphql';
import { SUBGRAPH_SDL } from '../schema/sdl.generated.js';
import type { SubgraphName } from '../schema/compose.js';
import { buildSubgraphSchema } from './buildSubgraphSchema.js';

/**
 * Each subgraph's resolvers, imported on first use. Bundled for Lambda, a subgraph's resolvers and the domain code
 * only they reach are chunks of their own, so a cold start loads and compiles only the subgraphs its first request
 * reaches (docs/architecture.md, "Lambda bundles").
 */
const RESOLVERS: Record<SubgraphName, () => Promise<{ resolvers: object }>> = {
  profiles: () => import('./profiles/resolvers/index.js'),
  campaigns: () => import('./campaigns/resolvers/index.js'),
  analytics: () => import('./analytics/resolvers/index.js'),
};

/** Whether `name` is one of the three subgraphs. */
export const isSubgraphName = (name: string): name is SubgraphName => Object.hasOwn(RESOLVERS, name);

/** One subgraph's executable schema, built from its committed SDL and its resolvers. */
export async function loadSubgraphSchema(name: SubgraphName): Promise<GraphQLSchema> {
  const { resolvers } = await RESOLVERS[name]();
  // No locations: nothing reports positions in the committed SDL, and parsing is part of a cold start.
  return buildSubgraphSchema(parse(SUBGRAPH_SDL[name], { noLocation: true }), resolvers as Record<string, unknown>);
}

/** Executable schemas of the three subgraphs, by subgraph name. */
export async function buildSubgraphSchemas(): Promise<Record<SubgraphName, GraphQLSchema>> {
  const [profiles, campaigns, analytics] = await Promise.all([loadSubgraphSchema('profiles'), loadSubgraphSchema('campaigns'), loadSubgraphSchema('analytics')]);
  return { profiles, campaigns, analytics };
}
