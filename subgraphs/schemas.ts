import { parse, type GraphQLSchema } from 'graphql';
import { SUBGRAPH_SDL } from '../schema/sdl.generated.js';
import type { SubgraphName } from '../schema/compose.js';
import { buildSubgraphSchema } from './buildSubgraphSchema.js';
import { resolvers as analytics } from './analytics/resolvers/index.js';
import { resolvers as campaigns } from './campaigns/resolvers/index.js';
import { resolvers as profiles } from './profiles/resolvers/index.js';

const RESOLVERS = { profiles, campaigns, analytics } as const;

/** Executable schemas of the three subgraphs, built from their committed SDL and their resolvers. */
export function buildSubgraphSchemas(): Record<SubgraphName, GraphQLSchema> {
  const build = (name: SubgraphName) =>
    // No locations: nothing reports positions in the committed SDL, and parsing is part of every cold start.
    buildSubgraphSchema(parse(SUBGRAPH_SDL[name], { noLocation: true }), RESOLVERS[name] as Record<string, unknown>);
  return { profiles: build('profiles'), campaigns: build('campaigns'), analytics: build('analytics') };
}
