/**
 * The churn scorer: keeps each profile's `churn` attribute, its `churn#<BAND>` membership row and the
 * `churn_risk_high` tag row current. Two triggers share this module (the Lambda handler only dispatches):
 *
 * - the `changes` stream ({@link scoreChanges}): a profile changed, so it is rescored at the change's event time;
 * - the daily schedule ({@link rescoreAll}): every profile is rescored at the schedule's time, because churn risk
 *   rises with silence, which no event announces.
 *
 * Inference is {@link score} from `model.ts` on the stored profile: the same code path as the evaluation command.
 *
 * Idempotence: a profile's churn is written only when the band, the model version or the probability (to three
 * decimals) changed, or the stored score is a day or more older than `asOf`; rescoring the same profile at the same
 * `asOf` writes nothing. Membership rows are rewritten only when the band changes. Writes are conditional on the
 * score that was read, so a daily run and a change-triggered scoring of one user cannot leave a stale score or
 * mismatched rows behind; and `scoredAt` never moves backwards.
 */
import type { KinesisStreamRecord } from 'aws-lambda';
import artifactJson from '../../models/churn-model.json' with { type: 'json' };
import { forEachLimit } from '../platform/forEachLimit.js';
import { sleep } from '../platform/sleep.js';
import { checkpointedScan } from '../store/checkpointedScan.js';
import { writeChurnScore } from '../store/churnScores.js';
import { applyMemberships, membershipKey, type MembershipDelta } from '../store/memberships.js';
import { fromItem, getProfiles, type ChurnScore as StoredChurnScore, type StoredProfile } from '../store/profiles.js';
import type { CompiledRuleSet } from '../tagging/evaluateProfile.js';
import { publishChanges } from '../changes/publishChanges.js';
import { decodeChangeRecord } from '../changes/record.js';
import { reevaluateStored } from '../tagging/sweep.js';
import type { ProfileChange } from '../tagging/types.js';
import { loadModel, score, type ChurnModel } from './model.js';
import { DAY_MS, type ChurnBand } from './types.js';

/** The tag a HIGH churn band shows as (on `User.tags` and as the `tag#churn_risk_high` membership row). */
export const CHURN_TAG = 'churn_risk_high';

const BANDS: readonly ChurnBand[] = ['LOW', 'MEDIUM', 'HIGH'];

/** Where the scorer reads and writes. */
export interface ChurnScorerTables {
  profiles: string;
  memberships: string;
  /** The `changes` stream: the scorer publishes `churn_risk_high` tag changes to it (and consumes it). */
  changesStream: string;
}

let defaultModel: ChurnModel | undefined;

/**
 * The deployed churn model (`models/churn-model.json`, bundled into the handler), validated and compiled once per
 * container on first use.
 *
 * @example
 * ```ts
 * churnModel().version; // 'churn-blend-561df2c13bcb'
 * ```
 */
export function churnModel(): ChurnModel {
  defaultModel ??= loadModel(artifactJson);
  return defaultModel;
}

/**
 * Whether a new score must be written over the stored one: a different band or model version, a probability that
 * differs at three decimals, or a stored score a day or more older than the new one.
 *
 * @example
 * ```ts
 * churnScoreChanged(stored.churn, { ...next, scoredAt: asOf }); // false when rescoring the same input
 * ```
 */
export function churnScoreChanged(prev: StoredChurnScore | null, next: StoredChurnScore): boolean {
  if (!prev) return true;
  if (prev.band !== next.band || prev.modelVersion !== next.modelVersion) return true;
  if (round3(prev.probability) !== round3(next.probability)) return true;
  return Date.parse(next.scoredAt) - Date.parse(prev.scoredAt) >= DAY_MS;
}

const round3 = (p: number) => Math.round(p * 1000) / 1000;

/** The latest of some ISO timestamps (nulls ignored), normalised to `toISOString()` form. */
function latest(...times: Array<string | null | undefined>): string {
  let best = Number.NEGATIVE_INFINITY;
  for (const t of times) {
    if (!t) continue;
    const ms = Date.parse(t);
    if (Number.isFinite(ms) && ms > best) best = ms;
  }
  if (!Number.isFinite(best)) throw new Error(`no valid asOf among ${JSON.stringify(times)}`);
  return new Date(best).toISOString();
}

/**
 * The membership rows of a user in `band` (or of no band): the band's row present, the other bands' rows absent,
 * the `churn_risk_high` tag row present iff HIGH. Writing the whole state (not a diff) heals rows a concurrent
 * writer may have left behind.
 */
function membershipRows(userId: string, band: ChurnBand | null, since: string): MembershipDelta[] {
  return [
    ...BANDS.map((b) => ({ key: membershipKey.churn(b), userId, member: b === band, ...(b === band ? { since } : {}) })),
    { key: membershipKey.tag(CHURN_TAG), userId, member: band === 'HIGH', ...(band === 'HIGH' ? { since } : {}) },
  ];
}

/** Options of {@link scoreProfiles}. */
export interface ScoreOptions {
  /** The model to score with; default {@link churnModel}. */
  model?: ChurnModel;
  /** Profiles written concurrently. Default 16. */
  concurrency?: number;
  /**
   * The tag rules and segments. When given, a profile whose band crosses into or out of HIGH is re-evaluated at
   * once, so segments that test `tags.churn_risk_high` (the starter `vip_at_risk`) move with the score rather
   * than at the user's next event or the next hourly sweep. Both triggers pass it.
   */
  rules?: CompiledRuleSet;
}

/** What {@link scoreProfiles} did. */
export interface ScoreResult {
  /** Profiles that got a score (written or not). */
  scored: number;
  /** Profiles whose churn was written. */
  written: number;
  /** Scored profiles whose stored churn was already current. */
  unchanged: number;
  /** Profiles without an order: churn is not defined for them. */
  unscored: number;
  /** Requested user ids with no profile (merged away or deleted); their churn rows are removed. */
  missing: string[];
  /** Users whose write failed (after retries), with the error. */
  failed: Array<{ userId: string; error: string }>;
  /** The `churn_risk_high` tag changes published. */
  changes: ProfileChange[];
}

const emptyResult = (): ScoreResult => ({ scored: 0, written: 0, unchanged: 0, unscored: 0, missing: [], failed: [], changes: [] });

/**
 * Scores profiles and stores the results: the `churn` attribute (when it changed, see {@link churnScoreChanged}),
 * the `churn#<BAND>` and `tag#churn_risk_high` membership rows (when the band changed), and a `tag_added` /
 * `tag_removed` change for `churn_risk_high` on the changes stream when the band crosses into or out of HIGH.
 *
 * `input` is user ids (read with BatchGetItem) or profiles already read (a scan page). `asOf` is one event time
 * for all, or one per user id. Each profile is scored at the latest of `asOf`, its `lastSeenAt` and its stored
 * `scoredAt`, so a score never goes back in time. Failures are per user; the rest of the batch is kept.
 *
 * @example
 * ```ts
 * const r = await scoreProfiles(['u1', 'u2'], '2027-06-01T00:00:00.000Z', tables);
 * // { scored: 2, written: 2, unchanged: 0, unscored: 0, missing: [], failed: [], changes: [{ kind: 'tag_added', … }] }
 * ```
 */
export async function scoreProfiles(
  input: readonly string[] | readonly StoredProfile[],
  asOf: string | ReadonlyMap<string, string>,
  tables: ChurnScorerTables,
  options: ScoreOptions = {},
): Promise<ScoreResult> {
  const result = emptyResult();
  let profiles: StoredProfile[];
  if (input.length > 0 && typeof input[0] === 'string') {
    const ids = [...new Set(input as readonly string[])];
    const found = await getProfiles(tables.profiles, ids);
    profiles = [];
    for (const id of ids) {
      const stored = found.get(id);
      if (stored) profiles.push(stored);
      else result.missing.push(id);
    }
  } else {
    profiles = [...(input as readonly StoredProfile[])];
  }
  const model = options.model ?? churnModel();
  const requestedAsOf = (userId: string): string => {
    const t = typeof asOf === 'string' ? asOf : asOf.get(userId);
    if (t === undefined) throw new Error(`no asOf for user ${userId}`);
    return t;
  };

  await forEachLimit(result.missing, options.concurrency ?? 16, async (userId) => {
    try {
      await applyMemberships(tables.memberships, membershipRows(userId, null, ''));
    } catch (err) {
      result.failed.push({ userId, error: String(err) });
    }
  });
  await forEachLimit(profiles, options.concurrency ?? 16, async (stored) => {
    const userId = stored.profile.userId;
    try {
      const outcome = await scoreOne(stored, requestedAsOf(userId), tables, model, options.rules);
      result.changes.push(...outcome.changes);
      switch (outcome.status) {
        case 'written':
        case 'unchanged':
          result.scored++;
          result[outcome.status]++;
          break;
        case 'unscored':
          result.unscored++;
          break;
        case 'missing':
          result.missing.push(userId);
          break;
      }
    } catch (err) {
      result.failed.push({ userId, error: String(err) });
    }
  });
  return result;
}

type Outcome = { status: 'written' | 'unchanged' | 'unscored' | 'missing'; changes: ProfileChange[] };

const MAX_ATTEMPTS = 3;

/** Scores one profile and stores what changed; retries on a concurrent churn write (re-reading the profile). */
async function scoreOne(
  first: StoredProfile,
  requested: string,
  tables: ChurnScorerTables,
  model: ChurnModel,
  rules: CompiledRuleSet | undefined,
): Promise<Outcome> {
  const userId = first.profile.userId;
  let stored = first;
  const changes: ProfileChange[] = [];
  /** Set once rows were written from a view that a concurrent writer then superseded: they must be rewritten. */
  let rowsDirty = false;
  for (let attempt = 1; ; attempt++) {
    const prev = stored.churn;
    const asOf = latest(requested, stored.profile.lastSeenAt, prev?.scoredAt);
    const s = score(model, stored.profile, asOf);
    if (!s) {
      if (rowsDirty) await applyMemberships(tables.memberships, membershipRows(userId, prev?.band ?? null, asOf));
      return { status: 'unscored', changes };
    }
    const sameBand = prev?.band === s.band;
    const next: StoredChurnScore = { ...s, scoredAt: asOf, bandSince: sameBand ? (prev.bandSince ?? prev.scoredAt) : asOf };
    if (!churnScoreChanged(prev, next)) {
      if (rowsDirty) await applyMemberships(tables.memberships, membershipRows(userId, next.band, asOf));
      return { status: 'unchanged', changes };
    }
    const bandChanged = prev?.band !== next.band;
    if (bandChanged || rowsDirty) await applyMemberships(tables.memberships, membershipRows(userId, next.band, asOf));
    const wasHigh = prev?.band === 'HIGH';
    const isHigh = next.band === 'HIGH';
    if (wasHigh !== isHigh) {
      const change: ProfileChange = { kind: isHigh ? 'tag_added' : 'tag_removed', userId, subject: CHURN_TAG, at: asOf };
      await publishChanges(tables.changesStream, [change]);
      changes.push(change);
    }
    if (await writeChurnScore(tables.profiles, userId, next, prev)) {
      if (rules && wasHigh !== isHigh) await reevaluateStored(tables, rules, asOf, { ...stored, churn: next });
      return { status: 'written', changes };
    }

    // Someone else wrote this user's churn (or the profile is gone) since it was read: read again and redo.
    rowsDirty = rowsDirty || bandChanged;
    const again = (await getProfiles(tables.profiles, [userId])).get(userId);
    if (!again) {
      await applyMemberships(tables.memberships, membershipRows(userId, null, asOf));
      return { status: 'missing', changes };
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error(`churn of ${userId} kept changing concurrently (${attempt} attempts)`);
    stored = again;
  }
}

// ───────────────────────────── the changes trigger ─────────────────────────────

/** Options of {@link scoreChanges}. */
export interface ScoreChangesOptions extends ScoreOptions {
  /**
   * Pauses before re-reading profiles that look older than their change (missing, or `lastSeenAt` before the
   * change's `at`): the tagger publishes a change just before it writes the profile. After the last pause the
   * profile is scored as it is. Default [100, 300, 600].
   */
  freshnessDelaysMs?: readonly number[];
}

/** What {@link scoreChanges} did. */
export interface ScoreChangesResult extends ScoreResult {
  /** Sequence numbers of records that failed (undecodable, or their user's write failed). */
  failedRecords: string[];
  /** Records ignored: those holding only the scorer's own `churn_risk_high` changes. */
  ignored: number;
}

/**
 * The changes-stream trigger: decodes a batch of change records (`core/changes/record.ts`), and scores each
 * distinct user once, at the latest event time (`at`) of that user's changes in the batch. The scorer's own
 * `churn_risk_high` changes are ignored (it consumes the stream it publishes to). Sources of a `profile_merged`
 * change that no longer exist are not scored; their churn rows are removed. Records that cannot be decoded, and
 * all records of a user whose write failed, are returned as failed (report the earliest with `earliestFailure`).
 *
 * @example
 * ```ts
 * const r = await scoreChanges(event.Records, tables);
 * return earliestFailure(event.Records, r.failedRecords);
 * ```
 */
export async function scoreChanges(
  records: readonly KinesisStreamRecord[],
  tables: ChurnScorerTables,
  options: ScoreChangesOptions = {},
): Promise<ScoreChangesResult> {
  const failedRecords: string[] = [];
  let ignored = 0;
  const asOf = new Map<string, string>();
  const recordsOf = new Map<string, string[]>();
  const mergedAway = new Set<string>();
  for (const record of records) {
    const decoded = decodeChangeRecord(Buffer.from(record.kinesis.data, 'base64'));
    if (!decoded) {
      failedRecords.push(record.kinesis.sequenceNumber);
      continue;
    }
    const changes = decoded.filter((c) => c.subject !== CHURN_TAG);
    if (changes.length === 0) {
      ignored++;
      continue;
    }
    for (const change of changes) {
      if (change.kind === 'profile_merged') mergedAway.add(change.subject);
      const at = new Date(change.at).toISOString();
      const seen = asOf.get(change.userId);
      if (!seen || at > seen) asOf.set(change.userId, at);
      // A record holds several users' changes (core/changes/record.ts): a failed user fails each record it is in.
      const of = recordsOf.get(change.userId);
      if (!of) recordsOf.set(change.userId, [record.kinesis.sequenceNumber]);
      else if (of.at(-1) !== record.kinesis.sequenceNumber) of.push(record.kinesis.sequenceNumber);
    }
  }

  const profiles = await readFresh([...asOf.keys()], asOf, mergedAway, tables.profiles, options.freshnessDelaysMs ?? [100, 300, 600]);
  const missing = [...asOf.keys()].filter((id) => !profiles.has(id));
  const [fromProfiles, fromMissing] = await Promise.all([
    scoreProfiles([...profiles.values()], asOf, tables, options),
    scoreProfiles(missing, asOf, tables, options),
  ]);
  const result: ScoreChangesResult = {
    scored: fromProfiles.scored,
    written: fromProfiles.written,
    unchanged: fromProfiles.unchanged,
    unscored: fromProfiles.unscored,
    // A user that appeared meanwhile (missing at first, found by the second read) is scored by the second call.
    missing: fromProfiles.missing.concat(fromMissing.missing),
    failed: fromProfiles.failed.concat(fromMissing.failed),
    changes: fromProfiles.changes.concat(fromMissing.changes),
    failedRecords,
    ignored,
  };
  result.scored += fromMissing.scored;
  result.written += fromMissing.written;
  result.unchanged += fromMissing.unchanged;
  result.unscored += fromMissing.unscored;
  for (const { userId } of result.failed) failedRecords.push(...(recordsOf.get(userId) ?? []));
  return result;
}

/**
 * Reads the profiles, re-reading (after each pause in `delaysMs`) those that look older than their change: missing
 * (unless merged away) or last seen before the change's time.
 */
async function readFresh(
  userIds: string[],
  asOf: ReadonlyMap<string, string>,
  mergedAway: ReadonlySet<string>,
  table: string,
  delaysMs: readonly number[],
): Promise<Map<string, StoredProfile>> {
  const found = await getProfiles(table, userIds);
  const stale = (id: string) => {
    const stored = found.get(id);
    if (!stored) return !mergedAway.has(id);
    const seen = stored.profile.lastSeenAt;
    return seen === null || Date.parse(seen) < Date.parse(asOf.get(id)!);
  };
  for (const delay of delaysMs) {
    const waiting = userIds.filter(stale);
    if (waiting.length === 0) break;
    await sleep(delay);
    for (const [id, stored] of await getProfiles(table, waiting)) found.set(id, stored);
  }
  return found;
}

// ───────────────────────────── the daily job ─────────────────────────────

/** Options of {@link rescoreAll}. */
export interface RescoreOptions extends ScoreOptions {
  /** Parallel scan segments, each checkpointed on its own. */
  totalSegments: number;
  jobsTable: string;
  /** Identifies the run: running again with the same id resumes from the checkpoints (`churn#<runId>#<segment>`). */
  runId: string;
  /** Items per scan page (one checkpoint per page). Default 200. */
  pageSize?: number;
  /** Called after each page, for progress logs. */
  onProgress?: (progress: { segment: number; scanned: number; written: number }) => void;
}

/** What {@link rescoreAll} did. */
export interface RescoreResult {
  scanned: number;
  scored: number;
  written: number;
  unchanged: number;
  unscored: number;
  failed: number;
  changes: number;
  segmentsAlreadyDone: number;
  segmentsResumed: number;
}

/**
 * The daily job: rescores every profile at `asOf` (the schedule's time), as a parallel scan checkpointed per segment
 * in the jobs table, so an interrupted run resumes where it stopped when started again with the same `runId`, and a
 * finished run does nothing. A user whose write fails is counted and left for the next run.
 *
 * @example
 * ```ts
 * await rescoreAll(event.time, { totalSegments: 4, jobsTable, runId: event.id }, tables);
 * ```
 */
export async function rescoreAll(asOf: string, options: RescoreOptions, tables: ChurnScorerTables): Promise<RescoreResult> {
  const when = new Date(asOf);
  if (Number.isNaN(when.getTime())) throw new Error(`rescoreAll: bad asOf ${asOf}`);
  const at = when.toISOString();
  const model = options.model ?? churnModel();
  const total: RescoreResult = {
    scanned: 0, scored: 0, written: 0, unchanged: 0, unscored: 0, failed: 0, changes: 0, segmentsAlreadyDone: 0, segmentsResumed: 0,
  };
  const scan = await checkpointedScan(
    {
      table: tables.profiles,
      jobsTable: options.jobsTable,
      job: `churn#${options.runId}`,
      totalSegments: options.totalSegments,
      pageSize: options.pageSize,
      checkpointAttributes: { asOf: at },
    },
    async (items, segment) => {
      const r = await scoreProfiles(items.map(fromItem), at, tables, { model, concurrency: options.concurrency, rules: options.rules });
      total.scanned += items.length;
      total.scored += r.scored;
      total.written += r.written;
      total.unchanged += r.unchanged;
      total.unscored += r.unscored;
      total.failed += r.failed.length;
      total.changes += r.changes.length;
      options.onProgress?.({ segment, scanned: total.scanned, written: total.written });
    },
  );
  total.segmentsAlreadyDone = scan.segmentsAlreadyDone;
  total.segmentsResumed = scan.segmentsResumed;
  return total;
}
