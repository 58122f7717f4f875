import { dailyUsage } from '../../../core/auth/usage.js';
import { badInput } from '../../context.js';
import type { ApiKeyResolvers } from '../types.generated.js';

export const ApiKey: ApiKeyResolvers = {
  rateLimitPerSecond: (k) => k.rateLimit,
  persistedQueriesOnly: (k) => k.persistedOnly === true,
  usage: (k, { days }, ctx) => {
    if (!Number.isInteger(days) || days! < 1 || days! > 90) throw badInput('days: from 1 to 90', 'days');
    return dailyUsage(ctx.tables.usage, k.id, days!, Date.parse(ctx.now));
  },
};
