import { decayedInterest } from '../../../core/profile/fold.js';
import { windowSum } from '../../../core/profile/stats.js';
import { KEY_EVENTS } from '../stats.js';
import type { ProfileStatsResolvers } from '../types.generated.js';

export const ProfileStats: ProfileStatsResolvers = {
  windows: (s) =>
    KEY_EVENTS.map((event) => ({
      event,
      last7d: windowSum(s.profile, event, s.asOf, 7),
      last30d: windowSum(s.profile, event, s.asOf, 30),
      last90d: windowSum(s.profile, event, s.asOf, 90),
      total: s.profile.counters[event] ?? 0,
    })),
  interests: (s) =>
    Object.entries(s.profile.interests)
      .map(([category, i]) => ({ category, score: Math.round(decayedInterest(i, s.asOf) * 1000) / 1000 }))
      .sort((a, b) => b.score - a.score),
};
