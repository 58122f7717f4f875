import { DateTimeScalar } from '../../scalars.js';
import type { Resolvers } from '../types.generated.js';
import { Query } from './Query.js';

/**
 * The analytics subgraph's resolvers, one file per type, typed with the `Resolvers` generated from
 * schema/analytics.graphql so tsc checks them against the SDL (see docs/architecture.md).
 */
export const resolvers: Resolvers = { Query, DateTime: DateTimeScalar };
