import type { ScheduledEvent } from 'aws-lambda';
import { requireEnv } from '../../core/platform/env.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { scheduledSweep, type ScheduledSweepResult } from '../../core/tagging/scheduledSweep.js';
import { profileEngineTables } from '../../core/tagging/tables.js';

const rules = new RuleCache(requireEnv('RULES_TABLE'), Number(requireEnv('RULES_TTL_SECONDS')));

/** Every minute: the hourly time-based sweep, or a sweep after a rule or segment changed, or nothing. */
export const handler = async (event: ScheduledEvent): Promise<ScheduledSweepResult> => {
  return scheduledSweep(profileEngineTables(), await rules.get(), {
    time: new Date(event.time).toISOString(),
    eventId: event.id,
    jobsTable: requireEnv('JOBS_TABLE'),
    totalSegments: 4,
  });
};
