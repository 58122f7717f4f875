import { publishChanges } from '../changes/publishChanges.js';
import { checkpointedScan } from '../store/checkpointedScan.js';
import { applyMemberships } from '../store/memberships.js';
import { externalTagsOf, fromItem, ProfileConflictError, saveProfile, type StoredProfile } from '../store/profiles.js';
import { evaluateProfile, type CompiledRuleSet } from './evaluateProfile.js';
import { membershipDeltasOf } from './membershipDeltas.js';
import type { ProfileEngineTables } from './tables.js';

export interface SweepOptions {
  /** The scheduled time of this run: the `asOf` of every evaluation (event time of the schedule). */
  asOf: string;
  /** Parallel scan segments; each is swept concurrently and checkpointed on its own. */
  totalSegments: number;
  jobsTable: string;
  /** Identifies the run, so an interrupted run resumes from its checkpoints. */
  runId: string;
}

export interface SweepResult {
  scanned: number;
  changed: number;
}

/**
 * Re-evaluates time-based conditions (dormant after 30 days, new_user after 7, windows sliding) on every
 * profile at the schedule's `asOf`. Profiles that did not change are not written. Progress is checkpointed per
 * scan segment in the jobs table, so a run cut short by the Lambda timeout resumes where it stopped.
 *
 * @example
 * await sweepProfiles(tables, await rules.get(), { asOf: event.time, totalSegments: 4, jobsTable, runId: event.id });
 */
export async function sweepProfiles(tables: ProfileEngineTables, rules: CompiledRuleSet, options: SweepOptions): Promise<SweepResult> {
  const result: SweepResult = { scanned: 0, changed: 0 };
  await checkpointedScan(
    {
      table: tables.profiles,
      jobsTable: options.jobsTable,
      job: `sweep#${options.runId}`,
      totalSegments: options.totalSegments,
      checkpointAttributes: { asOf: options.asOf },
    },
    async (items) => {
      for (const item of items) await sweepOne(tables, rules, options.asOf, fromItem(item), result);
    },
  );
  return result;
}

async function sweepOne(
  tables: ProfileEngineTables,
  rules: CompiledRuleSet,
  asOf: string,
  stored: StoredProfile,
  result: SweepResult,
): Promise<void> {
  result.scanned++;
  if (await reevaluateStored(tables, rules, asOf, stored)) result.changed++;
}

/**
 * Re-evaluates tag rules and segments on a stored profile at `asOf` and, when anything changed, writes the
 * membership rows, the changes and the profile (version-checked). Returns whether the profile was written; a
 * profile the tagger wrote meanwhile is skipped, because the tagger evaluated it itself (with the churn score it
 * read; the next sweep settles a score written in between). Used by the sweeps and by the churn scorer when a
 * churn band change moves segments.
 *
 * @example
 * await reevaluateStored(tables, await rules.get(), '2027-06-01T00:00:00.000Z', { ...stored, churn: newScore });
 */
export async function reevaluateStored(
  tables: Pick<ProfileEngineTables, 'profiles' | 'memberships' | 'changesStream'>,
  rules: CompiledRuleSet,
  asOf: string,
  stored: StoredProfile,
): Promise<boolean> {
  const changes = evaluateProfile(stored.profile, rules, asOf, null, externalTagsOf(stored));
  if (changes.length === 0) return false;
  await applyMemberships(tables.memberships, membershipDeltasOf(changes));
  await publishChanges(tables.changesStream, changes);
  try {
    await saveProfile(tables.profiles, stored.profile, stored.version);
    return true;
  } catch (err) {
    if (!(err instanceof ProfileConflictError)) throw err;
    return false;
  }
}
