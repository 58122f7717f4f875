import { DateTimeScalar, JSONScalar } from '../../scalars.js';
import type { Resolvers } from '../types.generated.js';
import { BanditAllocation, Campaign, CampaignPerformancePoint } from './Campaign.js';
import { CampaignTemplate } from './CampaignTemplate.js';
import { Enrollment } from './Enrollment.js';
import { Experiment, ExperimentMetricDefinition, ExperimentMetricResult } from './Experiment.js';
import { JourneySettings } from './JourneySettings.js';
import { Message } from './Message.js';
import { Mutation } from './Mutation.js';
import { Query } from './Query.js';
import { User } from './User.js';

/**
 * The campaigns subgraph's resolvers, one file per type, typed with the `Resolvers` generated from
 * schema/campaigns.graphql so tsc checks them against the SDL (see docs/architecture.md).
 */
export const resolvers: Resolvers = {
  Query,
  Mutation,
  BanditAllocation,
  Campaign,
  CampaignPerformancePoint,
  CampaignTemplate,
  Enrollment,
  Experiment,
  ExperimentMetricDefinition,
  ExperimentMetricResult,
  JourneySettings,
  Message,
  User,
  JSON: JSONScalar,
  DateTime: DateTimeScalar,
};
