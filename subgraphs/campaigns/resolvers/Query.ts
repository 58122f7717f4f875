import { getCampaign, listCampaigns } from '../../../core/store/campaigns.js';
import { requireScope } from '../../context.js';
import type { QueryResolvers } from '../types.generated.js';

export const Query: QueryResolvers = {
  campaigns: async (_, __, ctx) => {
    requireScope(ctx, 'profiles:read');
    const campaigns = await listCampaigns(ctx.tables.campaigns);
    return campaigns.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  },
  campaign: async (_, args, ctx) => {
    requireScope(ctx, 'profiles:read');
    return getCampaign(ctx.tables.campaigns, args.id);
  },
};
