import { GetCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { applyMemberships } from '../store/memberships.js';
import { fromItem, ProfileConflictError, saveProfile } from '../store/profiles.js';
import { evaluateProfile, type CompiledRuleSet } from './evaluateProfile.js';
import { membershipDeltasOf, publishChanges, type ProfileEngineTables } from './processBatch.js';

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
  await Promise.all(
    Array.from({ length: options.totalSegments }, (_, segment) => sweepSegment(tables, rules, options, segment, result)),
  );
  return result;
}

async function sweepSegment(
  tables: ProfileEngineTables,
  rules: CompiledRuleSet,
  options: SweepOptions,
  segment: number,
  result: SweepResult,
): Promise<void> {
  const job = `sweep#${options.runId}#${segment}`;
  const saved = (await dynamo().send(new GetCommand({ TableName: options.jobsTable, Key: { job } }))).Item;
  if (saved?.done) return;
  let start = saved?.lastKey as Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new ScanCommand({ TableName: tables.profiles, Segment: segment, TotalSegments: options.totalSegments, ExclusiveStartKey: start, Limit: 200 }),
    );
    for (const item of page.Items ?? []) {
      const stored = fromItem(item);
      result.scanned++;
      const changes = evaluateProfile(stored.profile, rules, options.asOf, null);
      if (changes.length === 0) continue;
      await applyMemberships(tables.memberships, membershipDeltasOf(changes));
      await publishChanges(tables.changesStream, changes);
      try {
        await saveProfile(tables.profiles, stored.profile, stored.version);
        result.changed++;
      } catch (err) {
        // The tagger wrote this profile meanwhile and evaluated it itself; nothing is lost by skipping it.
        if (!(err instanceof ProfileConflictError)) throw err;
      }
    }
    start = page.LastEvaluatedKey;
    await dynamo().send(new PutCommand({ TableName: options.jobsTable, Item: { job, lastKey: start, done: !start, asOf: options.asOf } }));
  } while (start);
}
