import { DateTimeScalar, JSONScalar } from '../../scalars.js';
import type { Resolvers } from '../types.generated.js';
import { ApiKey } from './ApiKey.js';
import { Mutation } from './Mutation.js';
import { ProfileStats } from './ProfileStats.js';
import { Query } from './Query.js';
import { Segment } from './Segment.js';
import { User } from './User.js';

/**
 * The profiles subgraph's resolvers, one file per type, typed with the `Resolvers` generated from
 * schema/profiles.graphql so tsc checks them against the SDL (see docs/architecture.md).
 */
export const resolvers: Resolvers = {
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
  Query,
  ApiKey,
  Mutation,
  User,
  Segment,
  ProfileStats,
};
