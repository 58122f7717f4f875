import type { CampaignTemplateResolvers } from '../types.generated.js';

export const CampaignTemplate: CampaignTemplateResolvers = {
  params: (t) => t.defaults,
};
