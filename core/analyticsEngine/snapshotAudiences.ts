import { forEachLimit } from '../platform/forEachLimit.js';
import { CHURN_BANDS } from '../profile/types.js';
import { countMembers, membershipKey } from '../store/memberships.js';
import { listSegments } from '../store/rules.js';
import { putAudienceSize } from './store/audienceSizes.js';

const CONCURRENCY = 4;

/**
 * Counts every segment's members and every churn band's users (the memberships table, exact) and records them as
 * the day's sizes (`store/audienceSizes.ts`): the history behind `segmentSizeHistory` and `churnBandHistory`.
 * Why snapshots, not deltas: memberships are the truth, so a count cannot drift the way summed enter/exit
 * changes could after a lost or replayed record.
 *
 * @example
 * await snapshotAudiences({ rules, memberships, aggregates }, new Date().toISOString()) // { segments: 12, bands: 3 }
 */
export async function snapshotAudiences(
  tables: { rules: string; memberships: string; aggregates: string },
  at: string,
): Promise<{ segments: number; bands: number }> {
  const segments = await listSegments(tables.rules);
  await forEachLimit(segments, CONCURRENCY, async (s) => {
    await putAudienceSize(tables.aggregates, 'SEGMENT', s.id, await countMembers(tables.memberships, membershipKey.segment(s.id)), at);
  });
  await forEachLimit([...CHURN_BANDS], CONCURRENCY, async (band) => {
    await putAudienceSize(tables.aggregates, 'CHURN', band, await countMembers(tables.memberships, membershipKey.churn(band)), at);
  });
  return { segments: segments.length, bands: CHURN_BANDS.length };
}
