import type { CampaignStatus } from '../../core/journeyEngine/store/campaigns.js';

/** Allowed status moves: DRAFT → ACTIVE ⇄ PAUSED → ENDED, and an ended campaign stays ended. */
export const TRANSITIONS: Record<CampaignStatus, CampaignStatus[]> = {
  DRAFT: ['ACTIVE', 'ENDED'],
  ACTIVE: ['PAUSED', 'ENDED'],
  PAUSED: ['ACTIVE', 'ENDED'],
  ENDED: [],
};
