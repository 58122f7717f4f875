import type { ScheduledEvent } from 'aws-lambda';
import { requireEnv } from '../../core/platform/env.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { sweepProfiles } from '../../core/tagging/sweep.js';
import { profileEngineTables } from '../../core/tagging/tables.js';

const rules = new RuleCache(requireEnv('RULES_TABLE'), Number(requireEnv('RULES_TTL_SECONDS')));

/** Scheduled: re-evaluate time-based tags and segments on every profile at the schedule's time. */
export const handler = async (event: ScheduledEvent): Promise<{ scanned: number; changed: number }> => {
  return sweepProfiles(profileEngineTables(), await rules.get(), {
    asOf: new Date(event.time).toISOString(),
    totalSegments: 4,
    jobsTable: requireEnv('JOBS_TABLE'),
    runId: event.id,
  });
};
