import { createHash } from 'node:crypto';
import { getJob, putJob } from '../store/jobs.js';
import type { CompiledRuleSet } from './evaluateProfile.js';
import { sweepProfiles, type SweepResult } from './sweep.js';
import type { ProfileEngineTables } from './tables.js';

/** The jobs-table item that remembers which rule set the last sweep applied, and a rules sweep in progress. */
const STATE_JOB = 'sweeper#rules';

interface SweepState {
  /** Fingerprint of the rule set the last finished sweep applied. */
  swept?: string;
  /** A rules sweep started and not yet finished: resumed with the same run id and `asOf`. */
  pending?: { fingerprint: string; runId: string; asOf: string };
}

export interface ScheduledSweepOptions {
  /** The tick's time (EventBridge `time`): the `asOf` of a sweep it starts. */
  time: string;
  /** The tick's event id: the run id of an hourly sweep, so a retried event resumes it. */
  eventId: string;
  jobsTable: string;
  totalSegments: number;
}

export interface ScheduledSweepResult extends SweepResult {
  /** Why this tick swept: the top of the hour, a changed rule set, or nothing to do. */
  trigger: 'hourly' | 'rules_changed' | 'none';
}

/**
 * A fingerprint of a rule set's definitions: every tag rule and segment id with its version.
 *
 * @example
 * ruleSetFingerprint(await ruleCache.get()) // '3f9a0c…' (changes when any rule or segment is saved or deleted)
 */
export function ruleSetFingerprint(rules: CompiledRuleSet): string {
  const parts = [
    ...rules.rules.map(({ rule }) => `tag:${rule.id}@${rule.version}`),
    ...rules.segments.map(({ segment }) => `segment:${segment.id}@${segment.version}`),
  ].sort();
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/**
 * One tick of the sweeper's one-minute schedule:
 * - at the top of each hour, a full sweep at the tick's time, for conditions that change with time alone
 *   (`dormant` after 30 days of silence, rolling windows);
 * - in any other minute, a full sweep only when the tag rules or segments changed since the last sweep, so a new
 *   or edited segment fills within about a minute rather than at the next hour; otherwise one read of the jobs
 *   table and nothing else.
 * A rules sweep records its run id before it starts and a later tick resumes it, from its checkpoints, until it
 * finishes. Ticks must not overlap (the sweeper runs with a concurrency of one).
 *
 * @example
 * await scheduledSweep(tables, await ruleCache.get(), { time: event.time, eventId: event.id, jobsTable, totalSegments: 4 });
 */
export async function scheduledSweep(
  tables: ProfileEngineTables,
  rules: CompiledRuleSet,
  options: ScheduledSweepOptions,
): Promise<ScheduledSweepResult> {
  const fingerprint = ruleSetFingerprint(rules);
  const state = ((await getJob(options.jobsTable, STATE_JOB)) ?? {}) as SweepState;
  const hourly = new Date(options.time).getUTCMinutes() === 0;
  if (!hourly && state.swept === fingerprint) return { trigger: 'none', scanned: 0, changed: 0 };

  let run = { runId: options.eventId, asOf: options.time };
  if (!hourly) {
    run = state.pending?.fingerprint === fingerprint ? state.pending : { runId: `rules-${fingerprint}-${options.time}`, asOf: options.time };
    await putState(options.jobsTable, { ...state, pending: { fingerprint, ...run } });
  }
  const result = await sweepProfiles(tables, rules, { asOf: run.asOf, totalSegments: options.totalSegments, jobsTable: options.jobsTable, runId: run.runId });
  // An hourly sweep applies the current rules too, so it settles a pending rules sweep.
  await putState(options.jobsTable, { swept: fingerprint });
  return { trigger: hourly ? 'hourly' : 'rules_changed', ...result };
}

async function putState(jobsTable: string, state: SweepState): Promise<void> {
  await putJob(jobsTable, { job: STATE_JOB, ...state });
}
