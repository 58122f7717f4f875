import { analyzeExperiment } from '../../../core/experiments/stats/analyze.js';
import { ExperimentInputError } from '../../../core/experiments/stats/errors.js';
import { getExperiment, listExperiments } from '../../../core/experimentEngine/store/experiments.js';
import { listTemplates, simulateJourney, validateJourney } from '../../../core/journeys/index.js';
import { capCounts } from '../../../core/journeyEngine/applyEffects.js';
import { profileViews } from '../../../core/journeyEngine/profileView.js';
import { getCampaign, listCampaigns } from '../../../core/journeyEngine/store/campaigns.js';
import { listOutbox } from '../../../core/journeyEngine/store/outbox.js';
import { engineSettingsOf, getJourneySettings } from '../../../core/journeyEngine/store/settings.js';
import { badInput, decodeCursor, encodeCursor, isPlausibleId, pageSize, requireScope } from '../../context.js';
import { checkedJourney } from '../journeyInput.js';
import type { QueryResolvers } from '../types.generated.js';

/** An outbox cursor: the last item's user and id (the key DynamoDB continues after). */
const outboxCursor = (k: { userId: string; id: string }) => encodeCursor(JSON.stringify([k.userId, k.id]));
function fromOutboxCursor(after: string | null | undefined): { userId: string; id: string } | undefined {
  const raw = decodeCursor(after);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badInput('invalid cursor', 'after');
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || !parsed.every((p) => typeof p === 'string')) throw badInput('invalid cursor', 'after');
  return { userId: parsed[0], id: parsed[1] };
}

export const Query: QueryResolvers = {
  campaigns: async (_, __, ctx) => {
    requireScope(ctx, 'campaigns:read');
    const campaigns = await listCampaigns(ctx.tables.campaigns);
    return campaigns.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  },
  campaign: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:read');
    return isPlausibleId(args.id) ? getCampaign(ctx.tables.campaigns, args.id) : null;
  },
  campaignTemplates: (_, __, ctx) => {
    requireScope(ctx, 'campaigns:read');
    return listTemplates();
  },
  validateJourney: (_, args, ctx) => {
    requireScope(ctx, 'campaigns:read');
    return validateJourney(args.journey);
  },
  outbox: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:read');
    const { campaignId, userId } = args;
    if (!campaignId && !userId) throw badInput('outbox needs a campaignId or a userId', 'campaignId');
    for (const [field, id] of [['campaignId', campaignId], ['userId', userId]] as const) {
      if (id !== null && id !== undefined && !isPlausibleId(id)) throw badInput(`${field} is not a valid id`, field);
    }
    const page = await listOutbox(ctx.tables.outbox, {
      ...(campaignId ? { campaignId } : {}),
      ...(userId ? { userId } : {}),
      kind: 'MESSAGE',
      first: pageSize(args.first),
      after: fromOutboxCursor(args.after),
    });
    const edges = page.items.map((node) => ({ cursor: outboxCursor(node), node }));
    return { edges, pageInfo: { hasNextPage: page.next !== undefined, endCursor: edges.at(-1)?.cursor ?? null } };
  },
  simulateJourney: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:read');
    if (!isPlausibleId(args.userId)) throw badInput('userId is not a valid id', 'userId');
    let journey;
    try {
      journey = await checkedJourney(args.journey, ctx);
    } catch (err) {
      const problems = (err as { extensions?: { problems?: unknown } }).extensions?.problems;
      if (Array.isArray(problems)) return { problems, inAudience: false, path: [], outcome: 'INVALID', steps: [] };
      throw err;
    }
    const view = (await profileViews(ctx.tables.profiles, [args.userId])).get(args.userId)!;
    const settings = engineSettingsOf(await getJourneySettings(ctx.tables.jobs), ctx.journeySettings.defaultTimeZone);
    const counts = await capCounts(ctx.tables.outbox, journey, settings, { userId: args.userId, campaignId: 'simulation', asOf: ctx.now });
    return { problems: [], ...simulateJourney(journey, view, ctx.now, counts, settings) };
  },
  analyzeExperiment: (_, { input }, ctx) => {
    requireScope(ctx, 'analytics:read');
    try {
      return analyzeExperiment({
        metric: input.metric,
        engine: input.engine,
        relative: input.relative ?? true,
        alpha: input.alpha ?? 0.05,
        sequential: input.sequential ?? false,
        sequentialTuning: input.sequentialTuning ?? 5000,
        correction: input.correction ?? 'NONE',
        inverse: input.inverse ?? false,
        ...(input.weights ? { weights: input.weights } : {}),
        ...(input.prior ? { prior: input.prior } : {}),
        variants: input.variants.map((v) => ({
          name: v.name,
          users: v.users,
          sum: v.sum,
          sumSquares: v.sumSquares,
          ...(v.preSum != null ? { preSum: v.preSum } : {}),
          ...(v.preSumSquares != null ? { preSumSquares: v.preSumSquares } : {}),
          ...(v.sumProduct != null ? { sumProduct: v.sumProduct } : {}),
        })),
      });
    } catch (err) {
      if (err instanceof ExperimentInputError) throw badInput(err.message, 'input');
      throw err;
    }
  },
  experiment: async (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    return isPlausibleId(args.id) ? getExperiment(ctx.tables.experiments, args.id) : null;
  },
  experiments: async (_, args, ctx) => {
    requireScope(ctx, 'analytics:read');
    const all = await listExperiments(ctx.tables.experiments);
    return all.filter((e) => !args.status || e.status === args.status).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  },
  journeySettings: (_, __, ctx) => {
    requireScope(ctx, 'campaigns:read');
    return getJourneySettings(ctx.tables.jobs);
  },
};
