import type { Logger } from '@aws-lambda-powertools/logger';
import { requireEnv } from '../platform/env.js';
import type { EngineContext } from './advance.js';
import { CampaignCache } from './campaignCache.js';
import { messagingSettingsFromEnv } from './messagingSettings.js';
import { journeyTables } from './tables.js';

/**
 * The engine context a journey handler builds once per container: tables from the environment, campaigns cached
 * and the operators' guard settings for `RULES_TTL_SECONDS`, the stage's default time zone, failures logged.
 *
 * @example
 * const ctx = engineContext(o.logger);
 */
export function engineContext(logger: Pick<Logger, 'error'>): EngineContext {
  const tables = journeyTables();
  const campaigns = new CampaignCache(tables, Number(requireEnv('RULES_TTL_SECONDS')), { defaultTimeZone: requireEnv('DEFAULT_TIME_ZONE') });
  return {
    tables,
    campaigns,
    settings: () => campaigns.settings(),
    webhookSecret: requireEnv('WEBHOOK_SIGNING_SECRET'),
    messaging: messagingSettingsFromEnv(process.env.MESSAGING_SETTINGS),
    identitySecret: requireEnv('IDENTITY_HASH_SECRET'),
    now: Date.now,
    onError: (err, context) => logger.error('journey processing failed', { ...context, error: err as Error }),
  };
}
