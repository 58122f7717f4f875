import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamRecord } from '../../core/events/schema.js';
import { identityKey } from '../../core/identity/identities.js';
import { IDENTITY_LIMITS } from '../../core/identity/limits.js';
import { listAudit } from '../../core/store/audit.js';
import { deviceActivityKey } from '../../core/store/deviceActivity.js';
import { COUPON_ABUSER_TAG } from '../../core/journeys/guards.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { getIdentityLinks } from '../../core/store/identities.js';
import { getProfiles } from '../../core/store/profiles.js';
import { processBatch } from '../../core/tagging/processBatch.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { profileEngineTables } from '../../core/tagging/tables.js';
import { postJson, useTestStack, track, waitFor } from '../support/stack.js';
import { record } from '../support/streamRecords.js';

const stack = useTestStack();

const at = (day: number, hour = 10) => new Date(Date.UTC(2026, 9, day, hour)).toISOString();
const anonOrder = (anonymousId: string, n: number): StreamRecord['event'] => ({
  type: 'track',
  event: 'order_completed',
  eventId: `${anonymousId}-order-${n}`,
  anonymousId,
  timestamp: at(1 + n),
  properties: { orderId: `${anonymousId}-${n}`, revenue: 40 },
});
const identify = (userId: string, anonymousId: string, day = 20): StreamRecord['event'] => ({
  type: 'identify',
  eventId: `identify-${userId}-${anonymousId}`,
  userId,
  anonymousId,
  timestamp: at(day),
});
const profileOf = async (id: string) => (await getProfiles(profileEngineTables().profiles, [id])).get(id);
const linkOf = async (kind: 'ANONYMOUS_ID' | 'USER_ID', value: string) =>
  (await getIdentityLinks(process.env.IDENTITIES_TABLE!, [identityKey({ kind, value })])).values().next().value;

describe('identity resolution', () => {
  it('drops placeholder ids at ingest: such an event keeps its real id, and one with none left is rejected', async () => {
    const res = await postJson(
      stack.ingestUrl,
      {
        events: [
          track('unknown', 'login', at(1), {}, { anonymousId: 'ph-visitor' }),
          track('null', 'login', at(1)),
          { type: 'identify', userId: 'ph-user', anonymousId: 'Unknown', timestamp: at(2) },
          { type: 'alias', userId: 'ph-user', previousId: '0', timestamp: at(2) },
        ],
      },
      stack.apiKey,
    );
    assert.equal(res.status, 200);
    assert.equal(res.json.accepted, 2);
    assert.deepEqual(res.json.rejected.map((r: { index: number }) => r.index), [1, 3]);
    assert.match(res.json.rejected[0].message, /placeholders/);
  });

  it('never routes or merges on a placeholder that reaches the stream', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const poison = [
      record({ ...anonOrder('null', 1), eventId: 'ph-1' }),
      record({ type: 'identify', eventId: 'ph-2', userId: 'ph-victim', anonymousId: 'null', timestamp: at(3) }),
      record({ ...anonOrder('x', 2), eventId: 'ph-3', anonymousId: undefined, userId: 'unknown' }),
    ];
    const result = await processBatch(poison, tables, rules);
    assert.equal(result.failed.length, 3, 'each is rejected on its own, to go to the on-failure destination');
    assert.equal(await profileOf('ph-victim'), undefined);
    assert.equal(await linkOf('ANONYMOUS_ID', 'null'), undefined);
  });

  it('gives a visitor’s anonymous events in the same batch as the identify to the user', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const result = await processBatch([record(anonOrder('same-a', 1)), record(anonOrder('same-a', 2)), record(identify('same-u', 'same-a'))], tables, rules);
    assert.deepEqual(result.failed, []);
    const user = (await profileOf('same-u'))!.profile;
    assert.equal(user.orders.count, 2);
    assert.equal(await profileOf('anon:same-a'), undefined, 'no orphan anonymous profile');
    assert.equal((await linkOf('ANONYMOUS_ID', 'same-a'))?.userId, 'same-u');
  });

  it("folds a never-identified visitor's profile into the user that aliases its anonymous id", async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    await processBatch([record(anonOrder('alias-a', 1)), record(anonOrder('alias-a', 2))], tables, rules);
    assert.equal((await profileOf('anon:alias-a'))!.profile.orders.count, 2);
    const result = await processBatch([record({ type: 'alias', eventId: 'alias-1', userId: 'alias-u', previousId: 'alias-a', timestamp: at(3) })], tables, rules);
    assert.deepEqual(result.failed, []);
    assert.equal((await profileOf('alias-u'))!.profile.orders.count, 2, "the visitor's orders are the user's");
    assert.equal(await profileOf('anon:alias-a'), undefined, 'no orphan anonymous profile');
  });

  it('finishes a merge whose first attempt failed after writing the link, counting the anonymous history once', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    await processBatch([record(anonOrder('retry-a', 1)), record(anonOrder('retry-a', 2))], tables, rules);
    assert.equal((await profileOf('anon:retry-a'))!.profile.orders.count, 2);

    // The first attempt: the link and the merged user are written, then deleting the anonymous profile fails
    // (as when the hourly sweep wrote it meanwhile).
    const name = 'fail-first-delete';
    let failures = 0;
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'DeleteItemCommand' && failures === 0) {
          failures++;
          throw Object.assign(new Error('injected conflict'), { name: 'ConditionalCheckFailedException' });
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    const batch = [record(identify('retry-u', 'retry-a')), record({ ...anonOrder('retry-a', 3), userId: 'retry-u' })];
    let first;
    try {
      first = await processBatch(batch, tables, rules);
    } finally {
      dynamo().middlewareStack.remove(name);
    }
    assert.equal(failures, 1);
    assert.equal(first.failed.length, 2, 'the user’s records are reported failed');
    assert.equal((await linkOf('ANONYMOUS_ID', 'retry-a'))?.userId, 'retry-u');

    // Lambda retries the records.
    const retry = await processBatch(batch, tables, rules);
    assert.deepEqual(retry.failed, []);
    assert.equal(await profileOf('anon:retry-a'), undefined, 'the anonymous profile is gone');
    const user = (await profileOf('retry-u'))!.profile;
    assert.equal(user.orders.count, 3, 'two anonymous orders and one known, each once');
    assert.equal(user.orders.revenue, 120);
    assert.deepEqual(user.mergedFrom, ['anon:retry-a']);
  });

  it('keeps a merged history’s watermarks apart: the user’s own unapplied record below them still counts', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const shard = 'shardId-000000000007';
    const atSeq = (r: ReturnType<typeof record>, seq: number) => {
      const s = String(seq).padStart(56, '0');
      return { ...r, kinesis: { ...r.kinesis, sequenceNumber: s }, eventID: `${shard}:${s}` };
    };
    const anonRecord = atSeq(record(anonOrder('wm-a', 1), shard), 2000);
    await processBatch([anonRecord], tables, rules);
    // The user's own record sits below the anonymous history's watermark on the same shard (its first attempt
    // failed, say). Merging in that batch must not make it look applied.
    const own = atSeq(record({ ...anonOrder('x', 2), eventId: 'wm-own', anonymousId: undefined, userId: 'wm-u' }, shard), 1500);
    const link = atSeq(record(identify('wm-u', 'wm-a'), shard), 2100);
    assert.deepEqual((await processBatch([own, link], tables, rules)).failed, []);
    assert.equal((await profileOf('wm-u'))!.profile.orders.count, 2, 'the merged order and the user’s own');
    // The anonymous record delivered again now reaches the user through the link, and is recognised as applied.
    await processBatch([anonRecord, link], tables, rules);
    assert.equal((await profileOf('wm-u'))!.profile.orders.count, 2);
  });

  it('refuses links past the per-kind limit: the identity is not linked and its events stay apart', async () => {
    const tables = profileEngineTables();
    const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
    const limit = IDENTITY_LIMITS.ANONYMOUS_ID;
    const devices = Array.from({ length: limit + 1 }, (_, i) => `lim-a${i}`);
    await processBatch(devices.slice(0, limit).map((a, i) => record({ ...identify('lim-u', a), timestamp: at(1 + (i % 20)) })), tables, rules);
    assert.equal((await profileOf('lim-u'))!.profile.identities.filter((i) => i.kind === 'ANONYMOUS_ID').length, limit);

    const extra = devices[limit]!;
    await processBatch([record(identify('lim-u', extra, 25))], tables, rules);
    assert.equal(await linkOf('ANONYMOUS_ID', extra), undefined, 'no link past the limit');
    const audit = await listAudit(process.env.AUDIT_TABLE!, 'profile#lim-u');
    assert.equal(audit.filter((a) => a.action === 'identity_refused').length, 1);
    // A later anonymous event of that device builds its own profile instead of reaching the user.
    await processBatch([record(anonOrder(extra, 5))], tables, rules);
    assert.equal((await profileOf(`anon:${extra}`))!.profile.orders.count, 1);
    assert.equal((await profileOf('lim-u'))!.profile.orders.count, 0);
  });
});

describe('coupon farming across the accounts of one device, through the running stack', () => {
  const claim = (userId: string, minute: number) =>
    track(userId, 'coupon_issued', new Date(Date.UTC(2026, 10, 20, 9, minute)).toISOString(), { couponId: `c-${userId}` }, {
      eventId: `farm-claim-${userId}`,
      context: { device: { id: 'farm-phone' } },
    });
  const tagged = async (userId: string) => Object.hasOwn((await profileOf(userId))?.profile.tags ?? {}, COUPON_ABUSER_TAG);
  const deviceRow = async () =>
    (await dynamo().send(new GetCommand({ TableName: process.env.IDENTITIES_TABLE!, Key: { id: deviceActivityKey('farm-phone') } }))).Item ?? {};
  const kept = async () => Object.keys(await deviceRow()).filter((k) => k.startsWith('e:')).length;

  it('tags the fifth account to claim a coupon on the phone within hours, and a new account that arrives on it', async () => {
    // One account at a time, each in its own batch, so the count is the stored one, not one batch's.
    for (let i = 1; i <= 4; i++) {
      assert.equal((await postJson(stack.ingestUrl, { events: [claim(`farm-${i}`, i)] }, stack.apiKey)).status, 200);
      await waitFor(async () => (await kept()) === i, `claim ${i} kept on the device`);
    }
    assert.equal(await tagged('farm-4'), false, 'four accounts: not yet');
    await postJson(stack.ingestUrl, { events: [claim('farm-5', 5)] }, stack.apiKey);
    await waitFor(() => tagged('farm-5'), 'the fifth account tagged coupon_abuser');
    assert.equal(await tagged('farm-1'), false, 'an earlier account is tagged when it next acts on the phone');

    const signup = track('farm-6', 'signed_up', new Date(Date.UTC(2026, 10, 20, 9, 30)).toISOString(), {}, { context: { device: { id: 'farm-phone' } } });
    await postJson(stack.ingestUrl, { events: [signup] }, stack.apiKey);
    await waitFor(() => tagged('farm-6'), 'a new account on the phone tagged before it claims');

    // The same claims sent again (the same event ids) are not counted twice.
    await postJson(stack.ingestUrl, { events: [1, 2, 3].map((i) => claim(`farm-${i}`, i)) }, stack.apiKey);
    await waitFor(async () => (await profileOf('farm-6')) && [...stack.mappings.values()].every((m) => m.idle), 'the stack to settle');
    assert.equal(await kept(), 5);
    const row = await deviceRow();
    assert.deepEqual(row['e:farm-claim-farm-1'], { event: 'coupon_issued', at: claim('farm-1', 1).timestamp });
  });
});
