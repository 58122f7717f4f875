/**
 * Every GraphQL operation the console sends, in one place, so a unit test validates each against the composed
 * supergraph (test/unit/console-queries.test.ts), and `npm run compose` types each one's data and variables
 * (api.generated.ts): a renamed field fails `npm test`, not an operator's page.
 */

import type {
  ViewerQuery,
  ViewerQueryVariables,
  OverviewQuery,
  OverviewQueryVariables,
  UserByIdentityQuery,
  UserByIdentityQueryVariables,
  UsersQuery,
  UsersQueryVariables,
  ProfileQuery,
  ProfileQueryVariables,
  ProfileJourneysQuery,
  ProfileJourneysQueryVariables,
  RulesQuery,
  RulesQueryVariables,
  PreviewSegmentMutation,
  PreviewSegmentMutationVariables,
  PreviewTagRuleMutation,
  PreviewTagRuleMutationVariables,
  CreateSegmentMutation,
  CreateSegmentMutationVariables,
  UpdateSegmentMutation,
  UpdateSegmentMutationVariables,
  CreateTagRuleMutation,
  CreateTagRuleMutationVariables,
  UpdateTagRuleMutation,
  UpdateTagRuleMutationVariables,
  AuditQuery,
  AuditQueryVariables,
  CampaignsQuery,
  CampaignsQueryVariables,
  CampaignQuery,
  CampaignQueryVariables,
  ValidateJourneyQuery,
  ValidateJourneyQueryVariables,
  SimulateJourneyQuery,
  SimulateJourneyQueryVariables,
  CreateFromTemplateMutation,
  CreateFromTemplateMutationVariables,
  UpdateCampaignMutation,
  UpdateCampaignMutationVariables,
  SetCampaignStatusMutation,
  SetCampaignStatusMutationVariables,
  ExperimentsQuery,
  ExperimentsQueryVariables,
  ExperimentQuery,
  ExperimentQueryVariables,
  FunnelQuery,
  FunnelQueryVariables,
  RetentionQuery,
  RetentionQueryVariables,
  RfmQuery,
  RfmQueryVariables,
  CampaignRoiQuery,
  CampaignRoiQueryVariables,
  ApiKeysQuery,
  ApiKeysQueryVariables,
  CreateApiKeyMutation,
  CreateApiKeyMutationVariables,
  RevokeApiKeyMutation,
  RevokeApiKeyMutationVariables,
  ErasureJobsQuery,
  ErasureJobsQueryVariables,
  RequestErasureMutation,
  RequestErasureMutationVariables,
} from './api.generated.js';

/** An operation's text, branded with its data and variables types, so `gql`, `useQuery` and `useAction` infer both. */
export type Operation<TData, TVariables> = string & { readonly __types?: [TData, TVariables] };
const op = <TData, TVariables>(source: string) => source as Operation<TData, TVariables>;

export const VIEWER = op<ViewerQuery, ViewerQueryVariables>(/* GraphQL */ `query Viewer { viewer { keyId name scopes } }`);

/** The whole first view in one request: each request is authenticated and metered, so one is cheaper than seven. */
export const OVERVIEW = op<OverviewQuery, OverviewQueryVariables>(/* GraphQL */ `
  query Overview($from: DateTime!, $to: DateTime!, $weekFrom: DateTime!, $monthFrom: DateTime!, $groupBy: MetricGroupBy) {
    dau: metric(metric: ACTIVE_USERS, from: $from, to: $to, granularity: DAY) { ...series }
    wau: metric(metric: ACTIVE_USERS, from: $weekFrom, to: $to, granularity: WEEK) { ...series }
    mau: metric(metric: ACTIVE_USERS, from: $monthFrom, to: $to, granularity: MONTH) { ...series }
    revenue: metric(metric: REVENUE, from: $from, to: $to, granularity: DAY, groupBy: $groupBy) { ...series }
    orders: metric(metric: ORDERS, from: $from, to: $to, granularity: DAY, groupBy: $groupBy) { ...series }
    newUsers: metric(metric: NEW_USERS, from: $from, to: $to, granularity: DAY, groupBy: $groupBy) { ...series }
    churnBands { band users }
    segments { id name size }
  }
  fragment series on MetricSeries { group currency points { start value exact } }`);

export const USER_BY_IDENTITY = op<UserByIdentityQuery, UserByIdentityQueryVariables>(/* GraphQL */ `
  query UserByIdentity($kind: IdentityKind!, $value: String!) { userByIdentity(kind: $kind, value: $value) { id } }`);

export const USERS = op<UsersQuery, UsersQueryVariables>(/* GraphQL */ `
  query Users($filter: UserFilter, $after: String) {
    users(filter: $filter, first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { id tags { name } churn { band } stats { lastSeenAt orders revenue } } }
    }
  }`);

export const PROFILE = op<ProfileQuery, ProfileQueryVariables>(/* GraphQL */ `
  query Profile($id: ID!) {
    user(id: $id) {
      id traits consent mergedFrom
      identities { kind value firstSeenAt }
      stats { firstSeenAt lastSeenAt orders revenue refunds refunded averageOrderValue recencyDays lastChannel lastCountry }
      tags { name since source }
      segments { id name }
      churn { probability band reasons modelVersion scoredAt }
      events(first: 50, history: true) { edges { node { eventId type event timestamp channel properties } } }
    }
  }`);

export const PROFILE_JOURNEYS = op<ProfileJourneysQuery, ProfileJourneysQueryVariables>(/* GraphQL */ `
  query ProfileJourneys($id: ID!) {
    user(id: $id) { id enrollments { id campaignId version state node enteredAt endedAt endReason convertedAt } }
    outbox(userId: $id, first: 20) { edges { node { id campaignId node channel status reason subject body createdAt } } }
  }`);

export const RULES = op<RulesQuery, RulesQueryVariables>(/* GraphQL */ `
  query Rules { tagRules { id tag description expression enabled version updatedAt } segments { id name description expression version size } }`);

export const PREVIEW_SEGMENT = op<PreviewSegmentMutation, PreviewSegmentMutationVariables>(/* GraphQL */ `
  mutation PreviewSegment($expression: String!) { previewSegment(expression: $expression, sample: 1000) { evaluated matched sample } }`);

export const PREVIEW_TAG_RULE = op<PreviewTagRuleMutation, PreviewTagRuleMutationVariables>(/* GraphQL */ `
  mutation PreviewTagRule($expression: String!) { previewTagRule(expression: $expression, sample: 1000) { evaluated matched sample } }`);

export const CREATE_SEGMENT = op<CreateSegmentMutation, CreateSegmentMutationVariables>(/* GraphQL */ `
  mutation CreateSegment($input: SegmentInput!) { createSegment(input: $input) { id version } }`);
export const UPDATE_SEGMENT = op<UpdateSegmentMutation, UpdateSegmentMutationVariables>(/* GraphQL */ `
  mutation UpdateSegment($id: ID!, $expectedVersion: Int!, $input: SegmentInput!) { updateSegment(id: $id, expectedVersion: $expectedVersion, input: $input) { id version } }`);
export const CREATE_TAG_RULE = op<CreateTagRuleMutation, CreateTagRuleMutationVariables>(/* GraphQL */ `
  mutation CreateTagRule($input: TagRuleInput!) { createTagRule(input: $input) { id version } }`);
export const UPDATE_TAG_RULE = op<UpdateTagRuleMutation, UpdateTagRuleMutationVariables>(/* GraphQL */ `
  mutation UpdateTagRule($id: ID!, $expectedVersion: Int!, $input: TagRuleInput!) { updateTagRule(id: $id, expectedVersion: $expectedVersion, input: $input) { id version } }`);

export const AUDIT = op<AuditQuery, AuditQueryVariables>(/* GraphQL */ `
  query Audit($subject: String!) { audit(subject: $subject, first: 50) { edges { node { subject at action detail } } } }`);

export const CAMPAIGNS = op<CampaignsQuery, CampaignsQueryVariables>(/* GraphQL */ `
  query Campaigns {
    campaigns { id name status version channel updatedAt stats { entered active completed sent suppressed converted conversionRate revenue } }
    campaignTemplates { id name description params }
  }`);

export const CAMPAIGN = op<CampaignQuery, CampaignQueryVariables>(/* GraphQL */ `
  query Campaign($id: ID!) {
    campaign(id: $id) {
      id name description status version journey
      stats { entered active completed sent converted nodes { node reached active } }
    }
  }`);

export const VALIDATE_JOURNEY = op<ValidateJourneyQuery, ValidateJourneyQueryVariables>(/* GraphQL */ `
  query ValidateJourney($journey: JSON!) { validateJourney(journey: $journey) { path code message } }`);

export const SIMULATE_JOURNEY = op<SimulateJourneyQuery, SimulateJourneyQueryVariables>(/* GraphQL */ `
  query SimulateJourney($journey: JSON!, $userId: ID!) {
    simulateJourney(journey: $journey, userId: $userId) { inAudience path outcome problems { path code message } steps { node kind summary guards { guard pass } } }
  }`);

export const CREATE_FROM_TEMPLATE = op<CreateFromTemplateMutation, CreateFromTemplateMutationVariables>(/* GraphQL */ `
  mutation CreateFromTemplate($template: ID!, $name: String!) { createCampaignFromTemplate(template: $template, name: $name) { id } }`);

export const UPDATE_CAMPAIGN = op<UpdateCampaignMutation, UpdateCampaignMutationVariables>(/* GraphQL */ `
  mutation UpdateCampaign($id: ID!, $expectedVersion: Int!, $input: CampaignInput!) {
    updateCampaign(id: $id, expectedVersion: $expectedVersion, input: $input) { id version }
  }`);

export const SET_CAMPAIGN_STATUS = op<SetCampaignStatusMutation, SetCampaignStatusMutationVariables>(/* GraphQL */ `
  mutation SetCampaignStatus($id: ID!, $status: CampaignStatus!) { setCampaignStatus(id: $id, status: $status) { id status } }`);

export const EXPERIMENTS = op<ExperimentsQuery, ExperimentsQueryVariables>(/* GraphQL */ `
  query Experiments { experiments { id key name status startAt variants { key name weight } } }`);

export const EXPERIMENT = op<ExperimentQuery, ExperimentQueryVariables>(/* GraphQL */ `
  query Experiment($id: ID!, $engine: StatsEngine, $sequential: Boolean) {
    experiment(id: $id) {
      id key name description status coverage startAt stopAt
      variants { key name weight }
      analysis(engine: $engine, sequential: $sequential) {
        exposures multipleExposures
        metrics {
          name kind guardrail note
          analysis { srmPValue srmWarning variants { name users mean lift ciLower ciUpper pValue chanceToWin risk errorMessage } }
        }
      }
    }
  }`);

export const FUNNEL = op<FunnelQuery, FunnelQueryVariables>(/* GraphQL */ `
  query Funnel($steps: [FunnelStepInput!]!, $from: DateTime!, $to: DateTime!, $windowDays: Int, $order: FunnelOrder) {
    funnel(steps: $steps, from: $from, to: $to, windowDays: $windowDays, order: $order) {
      steps { step event users conversionFromStart conversionFromPrevious medianSecondsFromPrevious }
    }
  }`);

export const RETENTION = op<RetentionQuery, RetentionQueryVariables>(/* GraphQL */ `
  query Retention($startEvent: String!, $returnEvent: String!, $from: DateTime!, $to: DateTime!, $period: RetentionPeriod!, $periods: Int) {
    retention(startEvent: $startEvent, returnEvent: $returnEvent, from: $from, to: $to, period: $period, periods: $periods) { cohorts { start size returned } }
  }`);

export const RFM = op<RfmQuery, RfmQueryVariables>(/* GraphQL */ `
  query Rfm($from: DateTime!, $to: DateTime!) { rfm(from: $from, to: $to) { recency frequency users orders revenue averageRecencyDays } }`);

export const CAMPAIGN_ROI = op<CampaignRoiQuery, CampaignRoiQueryVariables>(/* GraphQL */ `
  query CampaignRoi($id: ID!, $from: DateTime!, $to: DateTime!, $costPerSend: Float) {
    campaign(id: $id) {
      id name
      performance(from: $from, to: $to, granularity: DAY, costPerSend: $costPerSend) {
        holdoutUplift
        totals { sends suppressions conversions revenue cost roi }
        points { start sends conversions revenue cost roi }
      }
    }
  }`);

export const API_KEYS = op<ApiKeysQuery, ApiKeysQueryVariables>(/* GraphQL */ `
  query ApiKeys { apiKeys { id name scopes status createdAt createdBy expiresAt revokedAt } }`);

export const CREATE_API_KEY = op<CreateApiKeyMutation, CreateApiKeyMutationVariables>(/* GraphQL */ `
  mutation CreateApiKey($input: ApiKeyInput!) { createApiKey(input: $input) { key apiKey { id name } } }`);

export const REVOKE_API_KEY = op<RevokeApiKeyMutation, RevokeApiKeyMutationVariables>(/* GraphQL */ `
  mutation RevokeApiKey($id: ID!) { revokeApiKey(id: $id) { id status } }`);

export const ERASURE_JOBS = op<ErasureJobsQuery, ErasureJobsQueryVariables>(/* GraphQL */ `
  query ErasureJobs { erasureJobs(first: 50) { id userId status requestedAt requestedBy completedAt stores { store status deleted } } }`);

export const REQUEST_ERASURE = op<RequestErasureMutation, RequestErasureMutationVariables>(/* GraphQL */ `
  mutation RequestErasure($userId: ID!) { requestErasure(userId: $userId) { id status } }`);
