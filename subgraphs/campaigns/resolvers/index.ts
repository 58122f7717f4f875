import type { Resolvers } from '../types.generated.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';

/**
 * The campaigns subgraph's resolvers, one file per type, typed with the `Resolvers` generated from
 * schema/campaigns.graphql so tsc checks them against the SDL (see docs/architecture.md).
 */
export const resolvers: Resolvers = { Query, Mutation };
