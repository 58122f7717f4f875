import { GraphQLError } from 'graphql';
import { assignAndExpose, createExperiment, ExperimentConflictError, setExperimentStatus } from '../../../core/experimentEngine/manage.js';
import { getExperiment } from '../../../core/experimentEngine/store/experiments.js';
import { ExperimentInputError } from '../../../core/experiments/stats/errors.js';
import { instantiateTemplate, JourneyTemplateError } from '../../../core/journeys/index.js';
import { getCampaign, putCampaign, updateCampaignJourney, updateCampaignStatus } from '../../../core/journeyEngine/store/campaigns.js';
import { journeySettingsSchema, putJourneySettings } from '../../../core/journeyEngine/store/settings.js';
import { badInput, isPlausibleId, requireScope } from '../../context.js';
import { checkedJourney, checkedNames, newCampaign } from '../journeyInput.js';
import { TRANSITIONS } from '../status.js';
import { withoutNulls } from '../../withoutNulls.js';
import type { MutationResolvers } from '../types.generated.js';

const notFound = (id: string, what = 'campaign') => new GraphQLError(`${what} ${id} does not exist`, { extensions: { code: 'NOT_FOUND' } });

/** The experiments use cases' errors as GraphQL codes: bad input, or a write that lost (CONFLICT). */
async function experimentCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ExperimentInputError) throw badInput(err.message);
    if (err instanceof ExperimentConflictError) throw new GraphQLError(err.message, { extensions: { code: 'CONFLICT' } });
    throw err;
  }
}

export const Mutation: MutationResolvers = {
  createExperiment: (_, { input }, ctx) => {
    requireScope(ctx, 'campaigns:write');
    return experimentCall(() => createExperiment(ctx.tables, withoutNulls(input), ctx.now));
  },
  setExperimentStatus: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const e = await experimentCall(() => setExperimentStatus(ctx.tables, args.id, args.status, ctx.now));
    if (!e) throw notFound(args.id, 'experiment');
    return e;
  },
  assignExperiment: async (_, args, ctx) => {
    requireScope(ctx, 'events:write');
    if (!isPlausibleId(args.userId) || args.userId.length > 256) throw badInput('userId is not a valid id', 'userId');
    const e = isPlausibleId(args.id) ? await getExperiment(ctx.tables.experiments, args.id) : null;
    if (!e) throw notFound(args.id, 'experiment');
    const a = await assignAndExpose(ctx.tables.eventsStream, e, args.userId, Date.parse(ctx.now));
    const inExperiment = a.variation >= 0;
    return {
      experimentId: e.id,
      userId: args.userId,
      inExperiment,
      variationId: inExperiment ? a.variation : null,
      variationKey: inExperiment ? e.variants[a.variation]!.key : null,
      bucket: a.bucket,
      reason: a.reason,
    };
  },
  createCampaign: async (_, { input }, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const names = checkedNames(input);
    const journey = await checkedJourney(input.journey, ctx);
    return putCampaign(ctx.tables, newCampaign(names, journey, ctx.now));
  },
  updateCampaign: async (_, { id, expectedVersion, input }, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const names = checkedNames(input);
    const journey = await checkedJourney(input.journey, ctx);
    const current = await getCampaign(ctx.tables.campaigns, id);
    if (!current) throw notFound(id);
    if (current.status === 'ENDED') throw new GraphQLError('an ENDED campaign cannot change', { extensions: { code: 'BAD_USER_INPUT' } });
    const updated = await updateCampaignJourney(ctx.tables, id, expectedVersion, { ...names, journey }, ctx.now);
    if (!updated) {
      throw new GraphQLError(`campaign ${id} is at version ${current.version}, not ${expectedVersion}; reload and edit that`, {
        extensions: { code: 'CONFLICT', currentVersion: current.version },
      });
    }
    return updated;
  },
  setCampaignStatus: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const current = await getCampaign(ctx.tables.campaigns, args.id);
    if (!current) throw notFound(args.id);
    const from = current.status;
    if (!TRANSITIONS[from].includes(args.status)) {
      throw new GraphQLError(`a ${from} campaign cannot become ${args.status}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return updateCampaignStatus(ctx.tables.campaigns, args.id, from, args.status, ctx.now);
  },
  updateJourneySettings: async (_, { input }, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const parsed = journeySettingsSchema.safeParse({ ...input, updatedAt: ctx.now });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new GraphQLError(`${issue.path.join('.')}: ${issue.message}`, { extensions: { code: 'BAD_USER_INPUT', field: issue.path.join('.') } });
    }
    return putJourneySettings(ctx.tables.jobs, { ...parsed.data, extraTerms: [...new Set(parsed.data.extraTerms)] });
  },
  createCampaignFromTemplate: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const names = checkedNames({ name: args.name });
    const params = args.params ?? {};
    if (typeof params !== 'object' || Array.isArray(params)) {
      throw new GraphQLError('params must be an object', { extensions: { code: 'BAD_USER_INPUT', field: 'params' } });
    }
    let journey;
    try {
      journey = instantiateTemplate(args.template, params as Record<string, unknown>);
    } catch (err) {
      if (!(err instanceof JourneyTemplateError)) throw err;
      throw new GraphQLError(err.message, { extensions: { code: 'BAD_USER_INPUT', reason: err.code, problems: err.problems } });
    }
    return putCampaign(ctx.tables, newCampaign(names, await checkedJourney(journey, ctx), ctx.now));
  },
};
