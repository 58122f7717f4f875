import type { KinesisStreamRecord } from 'aws-lambda';
import type { ProfileChange } from '../changes/types.js';
import { deviceIdsOf } from '../identity/deviceActivity.js';
import { getDeviceActivity } from '../store/deviceActivity.js';
import { getProfiles } from '../store/profiles.js';
import { commit } from './commit.js';
import { decodeAll } from './decode.js';
import type { CompiledRuleSet } from './evaluateProfile.js';
import { prepare, type PreparedGroup } from './prepare.js';
import { profileIdsOf, route } from './route.js';
import type { ProfileEngineTables } from './tables.js';

/** What the tagger did with one batch: the records to retry, and what it wrote and published. */
export interface BatchResult {
  /** Sequence numbers of records that failed; Lambda retries from the earliest. */
  failed: string[];
  /** Profiles written in this batch (one write each at most). */
  profilesWritten: number;
  changes: ProfileChange[];
  /** Why each failed profile commit failed, for the handler to log. */
  commitErrors: Array<{ userId: string; error: unknown }>;
}

/**
 * The tagger's work for one Kinesis batch, as a pipeline (see docs/architecture.md):
 * decode → route (identity links) → load profiles (and, when rules count per device, the batch's devices) →
 * prepare (fold, merges, tag rules, segments; pure) → commit (each touched profile written once). A record that cannot be decoded, or whose profile failed to commit, is
 * reported as failed; everything else is kept.
 *
 * @example
 * const { failed } = await processBatch(event.Records, tables, await ruleCache.get());
 */
export async function processBatch(
  records: KinesisStreamRecord[],
  tables: ProfileEngineTables,
  rules: CompiledRuleSet,
): Promise<BatchResult> {
  const { decoded, failed } = decodeAll(records);
  const result: BatchResult = { failed, profilesWritten: 0, changes: [], commitErrors: [] };
  if (decoded.length === 0) return result;

  const groups = await route(decoded, tables.identities);
  const [stored, devices] = await Promise.all([
    getProfiles(tables.profiles, profileIdsOf(groups)),
    getDeviceActivity(tables.identities, rules.deviceEvents.size ? deviceIdsOf(decoded) : []),
  ]);
  const prepared = prepare(groups, stored, rules, devices);
  const outcomes = await commit(tables, prepared, [...devices.values()]);
  outcomes.forEach((outcome, i) => tally(result, prepared[i]!, outcome));
  return result;
}

/** Counts a committed group, or marks all its records failed (with the reason) so the batch retries them. */
function tally(result: BatchResult, p: PreparedGroup, outcome: PromiseSettledResult<void>): void {
  if (outcome.status === 'fulfilled') {
    result.profilesWritten++;
    result.changes.push(...p.changes);
  } else {
    result.commitErrors.push({ userId: p.profile.userId, error: outcome.reason });
    result.failed.push(...p.group.items.map((it) => it.record.kinesis.sequenceNumber));
  }
}
