import type { ScheduledEvent } from 'aws-lambda';
import { snapshotAudiences } from '../../core/analyticsEngine/snapshotAudiences.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { requireEnv } from '../../core/platform/env.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.audiences);
const tables = { rules: requireEnv('RULES_TABLE'), memberships: requireEnv('MEMBERSHIPS_TABLE'), aggregates: requireEnv('AGGREGATES_TABLE') };

/** Each hour: the sizes of every segment and churn band, for their history (core/analyticsEngine/snapshotAudiences.ts). */
async function audiencesHandler(event: ScheduledEvent, { logger, measures }: Invocation): Promise<{ segments: number; bands: number }> {
  const r = await snapshotAudiences(tables, new Date(event.time).toISOString());
  measures.count('AudiencesCounted', r.segments + r.bands);
  logger.info('audience sizes recorded', r);
  return r;
}

export const handler = instrument(FUNCTIONS.audiences, audiencesHandler, o);
