import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { getCampaign, putCampaign, updateCampaignStatus, type Campaign } from '../../../core/store/campaigns.js';
import { badInput, requireScope } from '../../context.js';
import { TRANSITIONS } from '../status.js';
import type { MutationResolvers } from '../types.generated.js';

export const Mutation: MutationResolvers = {
  createCampaign: async (_, { input }, ctx) => {
    requireScope(ctx, 'campaigns:write');
    if (!input.name.trim()) throw badInput('name must not be empty', 'name');
    if (!/^[a-z][a-z0-9_-]{1,31}$/.test(input.channel)) throw badInput('channel must be a short lower-case name such as email', 'channel');
    const segments = await ctx.segments();
    if (!segments.some((s) => s.id === input.segmentId)) throw badInput(`segment ${input.segmentId} does not exist`, 'segmentId');
    const campaign: Campaign = { id: randomUUID(), ...input, status: 'DRAFT', createdAt: ctx.now, updatedAt: ctx.now };
    return putCampaign(ctx.tables.campaigns, campaign);
  },
  setCampaignStatus: async (_, args, ctx) => {
    requireScope(ctx, 'campaigns:write');
    const current = await getCampaign(ctx.tables.campaigns, args.id);
    if (!current) throw new GraphQLError(`campaign ${args.id} does not exist`, { extensions: { code: 'NOT_FOUND' } });
    const from = current.status;
    if (!TRANSITIONS[from].includes(args.status)) {
      throw new GraphQLError(`a ${from} campaign cannot become ${args.status}`, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    return updateCampaignStatus(ctx.tables.campaigns, args.id, from, args.status, ctx.now);
  },
};
