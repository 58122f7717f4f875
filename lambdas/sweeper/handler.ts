import type { ScheduledEvent } from 'aws-lambda';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { scheduledSweep, type ScheduledSweepResult } from '../../core/tagging/scheduledSweep.js';
import { profileEngineTables } from '../../core/tagging/tables.js';

const o = observability(FUNCTIONS.sweeper);
const rules = new RuleCache(requireEnv('RULES_TABLE'), Number(requireEnv('RULES_TTL_SECONDS')), o.logger);

/**
 * Every minute: the hourly time-based sweep, or a sweep after a rule or segment changed, or nothing.
 *
 * Metrics, for a tick that swept: `ProfilesScanned`, `ProfilesChanged`, `SweepDuration` (milliseconds). A tick
 * with nothing to do emits none and logs at DEBUG.
 */
async function sweeperHandler(event: ScheduledEvent, { logger, measures }: Invocation): Promise<ScheduledSweepResult> {
  const started = Date.now();
  const time = new Date(event.time).toISOString();
  const result = await scheduledSweep(profileEngineTables(), await rules.get(), {
    time,
    eventId: event.id,
    jobsTable: requireEnv('JOBS_TABLE'),
    totalSegments: 4,
  });
  if (result.trigger === 'none') {
    logger.debug('nothing to sweep', { time });
  } else {
    const durationMs = Date.now() - started;
    measures.count('ProfilesScanned', result.scanned).count('ProfilesChanged', result.changed).milliseconds('SweepDuration', durationMs);
    logger.info('sweep finished', { trigger: result.trigger, scanned: result.scanned, changed: result.changed, durationMs, time, runId: event.id });
  }
  return result;
}

export const handler = instrument(FUNCTIONS.sweeper, sweeperHandler, o);
