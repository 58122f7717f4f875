/**
 * Compile-time checks that each enum of the SDL and its one TypeScript definition (a zod enum in core) have the same
 * values, so neither can gain or lose a value alone (see docs/architecture.md). Types only: nothing runs.
 */
import type { ChurnBand, IdentityKind } from '../core/profile/types.js';
import type { CampaignStatus } from '../core/journeyEngine/store/campaigns.js';
import type { MessageReason, MessageStatus } from '../core/journeys/guards.js';
import type { EnrollmentState } from '../core/journeys/types.js';
import type { MetricType, PValueCorrection, StatsEngine } from '../core/experiments/stats/types.js';
import type { AssignmentReason, ExperimentMetricKind, ExperimentStatus } from '../core/experiments/definition.js';
import type { GuardrailStatus } from '../core/experiments/units.js';
import type { Granularity } from '../core/analytics/buckets.js';
import type { MetricGroupBy, MetricName } from '../core/analyticsEngine/metrics.js';
import type * as analytics from './analytics/types.generated.js';
import type * as campaigns from './campaigns/types.generated.js';
import type * as profiles from './profiles/types.generated.js';

/** `true` exactly when A and B are the same type. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export type EnumsMatchTheSdl = [
  Assert<Same<ChurnBand, profiles.ChurnBand>>,
  Assert<Same<ChurnBand, analytics.ChurnBand>>,
  Assert<Same<IdentityKind, profiles.IdentityKind>>,
  Assert<Same<CampaignStatus, campaigns.CampaignStatus>>,
  Assert<Same<MessageStatus, campaigns.MessageStatus>>,
  Assert<Same<MessageReason, campaigns.MessageReason>>,
  Assert<Same<EnrollmentState['status'], campaigns.EnrollmentState>>,
  Assert<Same<StatsEngine, campaigns.StatsEngine>>,
  Assert<Same<MetricType, campaigns.ExperimentMetric>>,
  Assert<Same<PValueCorrection, campaigns.PValueCorrection>>,
  Assert<Same<ExperimentStatus, campaigns.ExperimentStatus>>,
  Assert<Same<ExperimentMetricKind, campaigns.ExperimentMetricKind>>,
  Assert<Same<AssignmentReason, campaigns.ExperimentAssignmentReason>>,
  Assert<Same<GuardrailStatus, campaigns.GuardrailStatus>>,
  Assert<Same<MetricName, analytics.Metric>>,
  Assert<Same<Granularity, analytics.Granularity>>,
  Assert<Same<MetricGroupBy, analytics.MetricGroupBy>>,
];
