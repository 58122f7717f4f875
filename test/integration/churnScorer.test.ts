/**
 * The churn scorer (issue 4, items 5 and 7) against the embedded stack: scoring from the changes stream, the daily
 * rescore through the schedule, idempotence, checkpoint/resume, and identical inference to `score()`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { decodeChangeRecord } from '../../core/changes/record.js';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { KinesisStreamRecord } from 'aws-lambda';
import { dynamo } from '../../core/aws/clients.js';
import { kinesis } from '../../core/aws/kinesis.js';
import { score } from '../../core/churn/model.js';
import {
  CHURN_TAG,
  churnModel,
  churnScoreChanged,
  rescoreAll,
  scoreChanges,
  scoreProfiles,
  type ChurnScorerTables,
} from '../../core/churn/scorer.js';
import { countMembers, listMembers, membershipKey } from '../../core/store/memberships.js';
import { getProfiles, type ChurnScore } from '../../core/store/profiles.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import type { ProfileChange } from '../../core/tagging/types.js';
import { gql, postJson, useTestStack, track, waitFor } from '../support/stack.js';

let tables: ChurnScorerTables;
let jobsTable: string;

const stack = useTestStack({
  afterStart() {
    tables = {
      profiles: process.env.PROFILES_TABLE!,
      memberships: process.env.MEMBERSHIPS_TABLE!,
      changesStream: process.env.CHANGES_STREAM!,
    };
    jobsTable = process.env.JOBS_TABLE!;
  },
});

const DAILY = new Date('2027-06-01T00:00:00Z');
const LATER = '2027-06-10T00:00:00.000Z';

/**
 * Buyers with different histories, all silent since autumn 2026. Each history makes the tagger announce a change at
 * the last order (it publishes changes only when tags or segments change): the last order takes churn-a, -c and -d
 * over the high_value threshold; churn-b's only order makes it a new_user.
 */
const BUYERS: Record<string, Array<[string, number]>> = {
  'churn-a': [['2026-09-01T10:00:00Z', 40], ['2026-10-01T10:00:00Z', 50], ['2026-11-01T10:00:00Z', 60], ['2026-11-20T10:00:00Z', 1000]],
  'churn-b': [['2026-11-18T09:00:00Z', 20]],
  'churn-c': [['2026-06-05T12:00:00Z', 40], ['2026-08-05T12:00:00Z', 50], ['2026-11-10T12:00:00Z', 1000]],
  'churn-d': [['2026-10-10T08:00:00Z', 30], ['2026-11-19T08:00:00Z', 1000]],
};
const IDS = Object.keys(BUYERS);

const CHURN_QUERY = `query($id: ID!) { user(id: $id) { id tags { name since source } churn { probability band reasons modelVersion scoredAt } } }`;

async function churnOf(id: string): Promise<{ churn: ChurnScore | null; tags: Array<{ name: string; since: string; source: string }> }> {
  const r = await gql(stack, CHURN_QUERY, { id });
  assert.equal(r.json.errors, undefined, JSON.stringify(r.json.errors));
  return r.json.data.user;
}

async function storedChurn(): Promise<Map<string, ChurnScore | null>> {
  const found = await getProfiles(tables.profiles, IDS);
  return new Map(IDS.map((id) => [id, found.get(id)?.churn ?? null]));
}

/** Every churn membership row of a user: `churn#<BAND>` keys and the churn tag. */
async function churnRowsOf(userId: string): Promise<string[]> {
  const keys = [...(['LOW', 'MEDIUM', 'HIGH'] as const).map((b) => membershipKey.churn(b)), membershipKey.tag(CHURN_TAG)];
  const rows: string[] = [];
  for (const key of keys) {
    const { userIds } = await listMembers(tables.memberships, key, 1000);
    rows.push(...userIds.filter((u) => u === userId).map(() => key));
  }
  return rows;
}

/** Every churn_risk_high change on the changes stream so far. */
async function churnChangesOnStream(): Promise<ProfileChange[]> {
  const out: ProfileChange[] = [];
  const shards = await kinesis().send(new ListShardsCommand({ StreamName: tables.changesStream }));
  for (const shard of shards.Shards ?? []) {
    let iterator = (
      await kinesis().send(
        new GetShardIteratorCommand({ StreamName: tables.changesStream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    for (let i = 0; iterator && i < 100; i++) {
      const page = await kinesis().send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
      for (const r of page.Records ?? []) {
        for (const c of decodeChangeRecord(r.Data!) ?? []) if (c.subject === CHURN_TAG) out.push(c);
      }
      if ((page.Records ?? []).length === 0 && page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

async function bandCounts(): Promise<Record<string, number>> {
  const r = await gql(stack, '{ churnBands { band users } }');
  assert.equal(r.json.errors, undefined, JSON.stringify(r.json.errors));
  return Object.fromEntries(r.json.data.churnBands.map((b: { band: string; users: number }) => [b.band, b.users]));
}

/** The bands of all stored profiles, counted from the profiles table itself. */
async function bandsInProfiles(): Promise<Record<string, number>> {
  const counts: Record<string, number> = { LOW: 0, MEDIUM: 0, HIGH: 0 };
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(new ScanCommand({ TableName: tables.profiles, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const band = (item.churn as ChurnScore | undefined)?.band;
      if (band) counts[band]!++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return counts;
}

function kinesisRecord(data: unknown, sequenceNumber: string): KinesisStreamRecord {
  return {
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: 'p',
      sequenceNumber,
      data: Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64'),
      approximateArrivalTimestamp: 0,
    },
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `shardId-000000000000:${sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::000000000000:role/test',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/test',
  };
}

describe('churn scorer', () => {
  const first = new Map<string, ChurnScore>();

  it('scores profiles from the changes stream at the changes’ event time, with the same inference as score()', async () => {
    // Warm-up: one event, one tagger invocation, which seeds the starter rules completely. (Two first invocations at
    // once can race: the second may cache a partly seeded rule set — see RuleCache/seedStarterRules.)
    await postJson(stack.ingestUrl, { events: [track('churn-warmup', 'login', '2026-11-01T00:00:00Z')] }, stack.apiKey);
    await waitFor(async () => (await getProfiles(tables.profiles, ['churn-warmup'])).size === 1, 'the warm-up profile');

    const events = Object.entries(BUYERS).flatMap(([userId, times]) =>
      times.map(([t, revenue], i) => track(userId, 'order_completed', t, { orderId: `${userId}-o${i}`, revenue, currency: 'GBP' })),
    );
    const res = await postJson(stack.ingestUrl, { events }, stack.apiKey);
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, events.length);

    for (const id of IDS) {
      const user = await waitFor(async () => {
        const u = await churnOf(id);
        return u?.churn ? u : null;
      }, `${id} to get a churn score`);
      const churn = user.churn!;
      first.set(id, churn);
      assert.equal(churn.modelVersion, churnModel().version);
      assert.ok(churn.probability > 0 && churn.probability < 1);
      assert.ok(['LOW', 'MEDIUM', 'HIGH'].includes(churn.band));
      assert.ok(churn.reasons.length > 0 && churn.reasons.length <= 3, 'reasons');
      // Event time, never wall-clock: scored at the last order (the change's `at`).
      assert.equal(churn.scoredAt, new Date(BUYERS[id]!.at(-1)![0]).toISOString());
    }
    // Identical inference: the stored probability is score() of the stored profile at scoredAt.
    const profiles = await getProfiles(tables.profiles, IDS);
    for (const id of IDS) {
      const stored = profiles.get(id)!;
      const direct = score(churnModel(), stored.profile, stored.churn!.scoredAt)!;
      assert.equal(stored.churn!.probability, direct.probability, `${id}: probability`);
      assert.equal(stored.churn!.band, direct.band);
      assert.deepEqual(stored.churn!.reasons, direct.reasons);
    }
    // One band row per user, matching the stored band.
    for (const id of IDS) {
      const rows = await churnRowsOf(id);
      const band = first.get(id)!.band;
      assert.deepEqual(rows, band === 'HIGH' ? [membershipKey.churn(band), membershipKey.tag(CHURN_TAG)] : [membershipKey.churn(band)]);
    }
  });

  it('the daily job raises risk after a long silence: HIGH band, filter, counts and the churn_risk_high tag', async () => {
    const result = (await stack.runScheduled('churnScorer', DAILY)) as { scanned: number; written: number; failed: number };
    assert.ok(result.scanned >= IDS.length, `scanned ${result.scanned}`);
    assert.ok(result.written >= IDS.length, `written ${result.written}`);
    assert.equal(result.failed, 0);

    const high: string[] = [];
    for (const id of IDS) {
      const user = await churnOf(id);
      const churn = user.churn!;
      assert.equal(churn.scoredAt, DAILY.toISOString());
      assert.ok(churn.probability > first.get(id)!.probability, `${id}: risk rises with silence (${first.get(id)!.probability} → ${churn.probability})`);
      if (churn.band === 'HIGH') {
        high.push(id);
        const tag = user.tags.find((t) => t.name === CHURN_TAG);
        assert.ok(tag, `${id} shows the ${CHURN_TAG} tag`);
        assert.equal(tag.source, 'churn');
      } else {
        assert.ok(!user.tags.some((t) => t.name === CHURN_TAG));
      }
    }
    assert.ok(high.includes('churn-b'), `a small one-order buyer silent for six months is HIGH (HIGH: ${high.join(', ')})`);

    const listed = await gql(stack, '{ users(filter: { churnBand: HIGH }, first: 100) { totalCount edges { node { id churn { band } } } } }');
    assert.equal(listed.json.errors, undefined, JSON.stringify(listed.json.errors));
    const listedIds = listed.json.data.users.edges.map((e: { node: { id: string } }) => e.node.id);
    for (const id of high) assert.ok(listedIds.includes(id), `${id} listed under churnBand HIGH`);
    for (const e of listed.json.data.users.edges) assert.equal(e.node.churn.band, 'HIGH');
    const byTag = await gql(stack, `{ users(filter: { tag: "${CHURN_TAG}" }, first: 100) { edges { node { id } } } }`);
    assert.deepEqual(
      byTag.json.data.users.edges.map((e: { node: { id: string } }) => e.node.id).sort(),
      [...listedIds].sort(),
      'the tag index and the HIGH band index agree',
    );

    // churnBands counts (membership rows) match the bands stored on the profiles.
    assert.deepEqual(await bandCounts(), await bandsInProfiles());

    // Crossing into HIGH published a tag_added change at the schedule's time.
    assert.ok(high.some((id) => first.get(id)!.band !== 'HIGH'), 'some buyer crossed into HIGH');
    const published = await churnChangesOnStream();
    for (const id of high) {
      if (first.get(id)!.band === 'HIGH') continue;
      assert.ok(
        published.some((c) => c.userId === id && c.kind === 'tag_added' && c.at === DAILY.toISOString()),
        `tag_added ${CHURN_TAG} for ${id}`,
      );
    }
  });

  it('is idempotent: running the daily job again at the same time writes nothing and duplicates no rows', async () => {
    const before = await storedChurn();
    const countsBefore = await bandCounts();
    const changesBefore = (await churnChangesOnStream()).length;

    // A second scheduled invocation (a new event id: a full rescan) at the same time.
    const again = (await stack.runScheduled('churnScorer', DAILY)) as { scanned: number; written: number; changes: number };
    assert.ok(again.scanned >= IDS.length);
    assert.equal(again.written, 0, 'nothing rewritten');
    assert.equal(again.changes, 0, 'no tag changes republished');

    // The same run id twice: the second run finds its checkpoints done and does nothing.
    const options = { totalSegments: 3, jobsTable, runId: 'idempotent-run' };
    const run1 = await rescoreAll(DAILY.toISOString(), options, tables);
    assert.equal(run1.written, 0);
    assert.ok(run1.scanned >= IDS.length);
    const run2 = await rescoreAll(DAILY.toISOString(), options, tables);
    assert.deepEqual([run2.scanned, run2.written, run2.segmentsAlreadyDone], [0, 0, 3]);

    // Rescoring given profiles directly at the same asOf also writes nothing.
    const direct = await scoreProfiles(IDS, DAILY.toISOString(), tables);
    assert.deepEqual([direct.scored, direct.written, direct.unchanged, direct.failed.length], [IDS.length, 0, IDS.length, 0]);

    assert.deepEqual(await storedChurn(), before, 'stored churn unchanged');
    assert.deepEqual(await bandCounts(), countsBefore, 'band counts unchanged');
    assert.equal((await churnChangesOnStream()).length, changesBefore);
    for (const id of IDS) {
      const rows = await churnRowsOf(id);
      const band = before.get(id)!.band;
      assert.deepEqual(rows, band === 'HIGH' ? [membershipKey.churn(band), membershipKey.tag(CHURN_TAG)] : [membershipKey.churn(band)], id);
    }
  });

  it('resumes: a run whose checkpoints say done does nothing; one with a saved lastKey continues after it', async () => {
    const before = await storedChurn();
    await dynamo().send(new PutCommand({ TableName: jobsTable, Item: { job: 'churn#done-run#0', done: true } }));
    await dynamo().send(new PutCommand({ TableName: jobsTable, Item: { job: 'churn#done-run#1', done: true } }));
    const done = await rescoreAll(LATER, { totalSegments: 2, jobsTable, runId: 'done-run' }, tables);
    assert.deepEqual([done.scanned, done.written, done.segmentsAlreadyDone], [0, 0, 2]);
    assert.deepEqual(await storedChurn(), before, 'nothing rescored');

    // The scan order of one segment, then a checkpoint in the middle of it.
    const order: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo().send(
        new ScanCommand({ TableName: tables.profiles, Segment: 0, TotalSegments: 1, ExclusiveStartKey: start, ProjectionExpression: 'userId' }),
      );
      order.push(...(page.Items ?? []).map((i) => String(i.userId)));
      start = page.LastEvaluatedKey;
    } while (start);
    const positions = IDS.map((id) => order.indexOf(id)).sort((a, b) => a - b);
    // Resume after the second of our buyers (in scan order): the first two keep their score, the others are rescored.
    const cut = positions[1]!;
    await dynamo().send(
      new PutCommand({ TableName: jobsTable, Item: { job: 'churn#resume-run#0', lastKey: { userId: order[cut] }, done: false } }),
    );
    const resumed = await rescoreAll(LATER, { totalSegments: 1, jobsTable, runId: 'resume-run', pageSize: 2 }, tables);
    assert.equal(resumed.segmentsResumed, 1);
    assert.equal(resumed.scanned, order.length - cut - 1, 'only the items after the checkpoint');
    const afterRun = await storedChurn();
    for (const id of IDS) {
      const pos = order.indexOf(id);
      if (pos <= cut) assert.deepEqual(afterRun.get(id), before.get(id), `${id} (before the checkpoint) untouched`);
      else assert.equal(afterRun.get(id)!.scoredAt, LATER, `${id} (after the checkpoint) rescored`);
    }
    // The run is now done: running it again does nothing.
    const rerun = await rescoreAll(LATER, { totalSegments: 1, jobsTable, runId: 'resume-run' }, tables);
    assert.deepEqual([rerun.scanned, rerun.segmentsAlreadyDone], [0, 1]);
  });

  it('change batches: one score per user at the latest change time; own tag changes ignored; bad records and merged sources handled', async () => {
    const stored = await storedChurn();
    const a = stored.get('churn-a')!;
    const seq = (n: number) => String(1000 + n).padStart(20, '0');
    const records = [
      kinesisRecord({ kind: 'tag_added', userId: 'churn-a', subject: 'vip', at: a.scoredAt }, seq(1)),
      kinesisRecord({ kind: 'tag_added', userId: 'churn-a', subject: CHURN_TAG, at: '2030-01-01T00:00:00.000Z' }, seq(2)),
      kinesisRecord('{not json', seq(3)),
      kinesisRecord({ kind: 'profile_merged', userId: 'churn-a', subject: 'gone-anon', at: a.scoredAt }, seq(4)),
      kinesisRecord({ kind: 'tag_removed', userId: 'gone-anon', subject: 'new_user', at: a.scoredAt }, seq(5)),
    ];
    const r = await scoreChanges(records, tables, { freshnessDelaysMs: [] });
    assert.deepEqual(r.failedRecords, [seq(3)], 'only the undecodable record failed');
    assert.equal(r.ignored, 1, 'the scorer’s own churn_risk_high change is ignored (no loop, no 2030 asOf)');
    assert.deepEqual(r.missing, ['gone-anon']);
    assert.deepEqual([r.scored, r.written], [1, 0], 'churn-a scored once, at its stored time: nothing to write');
    assert.deepEqual(await churnRowsOf('gone-anon'), []);
    assert.deepEqual((await storedChurn()).get('churn-a'), a);

    // A change later by more than a day rescores and writes, at the change's time.
    const later = new Date(Date.parse(a.scoredAt) + 3 * 86_400_000).toISOString();
    const r2 = await scoreChanges([kinesisRecord({ kind: 'segment_entered', userId: 'churn-a', subject: 's', at: later }, seq(6))], tables, {
      freshnessDelaysMs: [],
    });
    assert.deepEqual([r2.written, r2.failedRecords.length], [1, 0]);
    assert.equal((await storedChurn()).get('churn-a')!.scoredAt, later);
    assert.deepEqual(await bandCounts(), await bandsInProfiles());
  });

  it('a write racing another scorer re-reads and leaves the stored score and the rows consistent', async () => {
    const stale = (await getProfiles(tables.profiles, ['churn-d'])).get('churn-d')!;
    // Another scorer (say the daily job) moves churn-d far ahead in time first…
    const winner = await scoreProfiles(['churn-d'], '2028-06-01T00:00:00.000Z', tables);
    assert.equal(winner.written, 1);
    // …then this one, still holding the old score, tries to write an earlier one: its conditional write fails, it
    // re-reads, and (scores never going back in time) finds the stored one current.
    const loser = await scoreProfiles([stale], '2027-06-20T00:00:00.000Z', tables);
    assert.deepEqual([loser.written, loser.unchanged, loser.failed.length], [0, 1, 0]);
    const stored = (await storedChurn()).get('churn-d')!;
    assert.equal(stored.scoredAt, '2028-06-01T00:00:00.000Z');
    const rows = await churnRowsOf('churn-d');
    assert.deepEqual(rows, stored.band === 'HIGH' ? [membershipKey.churn('HIGH'), membershipKey.tag(CHURN_TAG)] : [membershipKey.churn(stored.band)]);
  });

  it('writes only what changed', () => {
    const base: ChurnScore = { probability: 0.6123, band: 'MEDIUM', reasons: [], modelVersion: 'm1', scoredAt: '2027-01-01T00:00:00.000Z' };
    assert.equal(churnScoreChanged(null, base), true);
    assert.equal(churnScoreChanged(base, { ...base }), false);
    assert.equal(churnScoreChanged(base, { ...base, probability: 0.61249 }), false, 'same at three decimals');
    assert.equal(churnScoreChanged(base, { ...base, probability: 0.6126 }), true);
    assert.equal(churnScoreChanged(base, { ...base, band: 'HIGH' }), true);
    assert.equal(churnScoreChanged(base, { ...base, modelVersion: 'm2' }), true);
    assert.equal(churnScoreChanged(base, { ...base, scoredAt: '2027-01-01T23:00:00.000Z' }), false);
    assert.equal(churnScoreChanged(base, { ...base, scoredAt: '2027-01-02T00:00:00.000Z' }), true, 'a day old');
  });

  it('keeps memberships consistent with what it stores', async () => {
    assert.deepEqual(await bandCounts(), await bandsInProfiles());
    const high = await countMembers(tables.memberships, membershipKey.churn('HIGH'));
    assert.equal(await countMembers(tables.memberships, membershipKey.tag(CHURN_TAG)), high);
  });
  it('moves segments with the band at once: a high-value buyer crossing into HIGH joins vip_at_risk', async () => {
    const far = '2029-01-01T00:00:00.000Z';
    const before = (await getProfiles(tables.profiles, ['churn-a'])).get('churn-a')!;
    assert.notEqual(before.churn!.band, 'HIGH');
    assert.equal(before.profile.segments.vip_at_risk, undefined);
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const r = await scoreProfiles(['churn-a'], far, tables, { rules });
    assert.equal(r.written, 1);
    // No event and no sweep ran: the scorer itself re-evaluated the profile when the band crossed into HIGH.
    const after = (await getProfiles(tables.profiles, ['churn-a'])).get('churn-a')!;
    assert.equal(after.churn!.band, 'HIGH');
    assert.deepEqual(after.profile.segments.vip_at_risk, { since: far });
    assert.ok((await listMembers(tables.memberships, membershipKey.segment('vip_at_risk'), 100)).userIds.includes('churn-a'));
    const user = await gql(stack, '{ user(id: "churn-a") { segments { id } } }');
    assert.ok(user.json.data.user.segments.some((s: { id: string }) => s.id === 'vip_at_risk'));
  });

  it('keeps the churn tag’s since while the band holds, and clears tag and rows when a purchase brings it down', async () => {
    const orders = BUYERS['churn-a']!.map(([t, revenue], i) =>
      track('churn-t', 'order_completed', t.replace('2026', '2024'), { orderId: `t-o${i}`, revenue }),
    );
    assert.equal((await postJson(stack.ingestUrl, { events: orders }, stack.apiKey)).json.accepted, orders.length);
    await waitFor(async () => (await getProfiles(tables.profiles, ['churn-t'])).get('churn-t')?.churn, 'the first score');

    const high = '2026-11-01T00:00:00.000Z';
    assert.equal((await scoreProfiles(['churn-t'], high, tables)).written, 1);
    const tagOf = async () => (await churnOf('churn-t')).tags.find((t) => t.name === CHURN_TAG);
    assert.equal((await tagOf())?.since, high);
    // Rescored two weeks later, still HIGH: the tag has held since the first crossing.
    assert.equal((await scoreProfiles(['churn-t'], '2026-11-15T00:00:00.000Z', tables)).written, 1);
    assert.equal((await churnOf('churn-t')).churn!.band, 'HIGH');
    assert.equal((await tagOf())?.since, high);

    // A purchase: the tagger folds it and the scorer, on the changes stream, moves the band down.
    const order = track('churn-t', 'order_completed', '2026-11-20T10:00:00Z', { orderId: 't-o9', revenue: 80 });
    assert.equal((await postJson(stack.ingestUrl, { events: [order] }, stack.apiKey)).json.accepted, 1);
    const after = await waitFor(async () => {
      const u = await churnOf('churn-t');
      return u.churn && u.churn.band !== 'HIGH' ? u : null;
    }, 'churn-t to leave HIGH');
    assert.equal(after.tags.some((t) => t.name === CHURN_TAG), false);
    assert.deepEqual(await churnRowsOf('churn-t'), [membershipKey.churn(after.churn!.band)]);
  });

  it('moves segments with the band on the changes stream too: a login after long silence puts a VIP at risk', async () => {
    // churn-a's orders, two years earlier.
    const orders = BUYERS['churn-a']!.map(([t, revenue], i) =>
      track('churn-s', 'order_completed', t.replace('2026', '2024'), { orderId: `s-o${i}`, revenue }),
    );
    assert.equal((await postJson(stack.ingestUrl, { events: orders }, stack.apiKey)).json.accepted, orders.length);
    const scored = await waitFor(async () => (await getProfiles(tables.profiles, ['churn-s'])).get('churn-s')?.churn, 'the first score');
    assert.notEqual(scored.band, 'HIGH');

    // Two years without an order, then a login: the tagger folds it (high_value stays; it is activity, so not
    // dormant, and vip_at_risk stays false); the scorer rescores at the login's time and the band crosses into HIGH.
    const login = '2026-11-20T10:00:00.000Z';
    assert.equal((await postJson(stack.ingestUrl, { events: [track('churn-s', 'login', login)] }, stack.apiKey)).json.accepted, 1);
    // No sweep runs in tests: only the scorer's own re-evaluation can move the segment.
    const after = await waitFor(async () => {
      const p = (await getProfiles(tables.profiles, ['churn-s'])).get('churn-s');
      return p?.profile.segments.vip_at_risk ? p : null;
    }, 'churn-s to join vip_at_risk');
    assert.equal(after.churn!.band, 'HIGH');
    assert.equal(after.churn!.scoredAt, login);
    assert.deepEqual(after.profile.segments.vip_at_risk, { since: login });
    assert.ok((await listMembers(tables.memberships, membershipKey.segment('vip_at_risk'), 100)).userIds.includes('churn-s'));
  });
});
