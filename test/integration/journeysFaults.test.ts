import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KinesisStreamRecord } from 'aws-lambda';
import { dynamo, kinesis } from '../../core/aws/clients.js';
import type { StoredEvent } from '../../core/events/schema.js';
import type { EngineContext } from '../../core/journeyEngine/advance.js';
import { CampaignCache } from '../../core/journeyEngine/campaignCache.js';
import { fireDueTimers } from '../../core/journeyEngine/fireTimers.js';
import { processJourneyEvents } from '../../core/journeyEngine/onEvents.js';
import { enrollmentsOfUser } from '../../core/journeyEngine/store/enrollments.js';
import { listOutbox, type OutboxItem } from '../../core/journeyEngine/store/outbox.js';
import { journeyTables } from '../../core/journeyEngine/tables.js';
import { gql, useTestStack } from '../support/stack.js';
import { record } from '../support/streamRecords.js';

/*
 * The fault-injection test of the journey engine's exactly-once claim. The engine is "killed" at random points: a
 * fault hook on the shared SDK clients throws at random on journey writes, either before the write is sent (it never
 * happened) or after it succeeded (it happened, and the engine never learned it). Each kill abandons the whole
 * invocation, in-memory state included, and the batch is handed in again from its earliest failed record, as
 * Lambda's event source mapping does; timer ticks are repeated the same way. Afterwards the outbox must be exactly
 * what one clean run makes: every send, coupon and exposure once, none missing.
 */
const stack = useTestStack();

// Enough writes that a run at this kill rate is killed 20 times: a finished run writes nothing more (a redelivered
// batch finds every effect applied), so the kills must come from the first pass through the journey.
const USERS = 16;
const MIN_KILLS = 20;

/** Throws at random on journey-table writes and on PutRecords to the events stream, while `armed`. */
function installFaults(probability: number) {
  const state = { armed: false, kills: 0, before: 0, after: 0 };
  const journeyTables = new Set([process.env.ENROLLMENTS_TABLE, process.env.OUTBOX_TABLE, process.env.TIMERS_TABLE, process.env.JOBS_TABLE]);
  const writes = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'PutRecordsCommand']);
  const hook = (next: (a: any) => Promise<any>, context: { commandName?: string }) => async (args: any) => {
    const input = args.input as { TableName?: string; StreamName?: string };
    const target = input.TableName ? journeyTables.has(input.TableName) : input.StreamName === process.env.EVENTS_STREAM;
    if (!state.armed || !writes.has(context.commandName ?? '') || !target || Math.random() >= probability) return next(args);
    state.kills++;
    if (Math.random() < 0.5) {
      state.before++;
      throw new Error(`injected kill before ${context.commandName}`);
    }
    const out = await next(args);
    state.after++;
    throw new Error(`injected kill after ${context.commandName} (${out ? 'it was written' : ''})`);
  };
  dynamo().middlewareStack.add(hook as never, { step: 'initialize', name: 'journey-faults' });
  kinesis().middlewareStack.add(hook as never, { step: 'initialize', name: 'journey-faults' });
  return {
    state,
    remove() {
      dynamo().middlewareStack.remove('journey-faults');
      kinesis().middlewareStack.remove('journey-faults');
    },
  };
}

/** Lambda's retry loop for one batch: hand the records in again from the earliest failure until none fails. */
async function untilProcessed(ctx: EngineContext, records: KinesisStreamRecord[]): Promise<number> {
  let rest = records;
  for (let attempt = 1; attempt <= 200; attempt++) {
    let failed: string[];
    try {
      failed = (await processJourneyEvents(ctx, rest)).failed;
    } catch {
      failed = [rest[0]!.kinesis.sequenceNumber]; // the invocation died: everything is retried
    }
    if (failed.length === 0) return attempt;
    const earliest = rest.findIndex((r) => failed.includes(r.kinesis.sequenceNumber));
    rest = rest.slice(earliest);
  }
  throw new Error('the batch never got through');
}

async function allOutbox(campaignId: string): Promise<OutboxItem[]> {
  const items: OutboxItem[] = [];
  let after: { userId: string; id: string } | undefined;
  do {
    const page = await listOutbox(process.env.OUTBOX_TABLE!, { campaignId, first: 100, after });
    items.push(...page.items);
    after = page.next;
  } while (after);
  return items;
}

describe('journey engine under random kills', () => {
  it(`keeps the outbox exact through at least ${MIN_KILLS} kills at random points`, async () => {
    const journey = {
      trigger: { kind: 'EVENT', event: 'fault_trigger' },
      start: 'hello',
      nodes: {
        hello: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'Hello {{traits.name|there}}' }, next: 'split' },
        split: { type: 'RANDOM', branches: [{ percent: 50, next: 'coupon' }, { percent: 50, next: 'coupon' }] },
        coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: 5, prefix: 'FAULT' }, next: 'wait' },
        wait: { type: 'WAIT', duration: 'PT1H', next: 'bye' },
        bye: { type: 'SEND', channel: 'email', purpose: 'transactional', message: { body: 'Your code {{coupon.code}}' }, next: 'end' },
        end: { type: 'EXIT' },
      },
    };
    const created = await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "faults", journey: $j }) { id } }', { j: journey });
    assert.ok(created.json.data, JSON.stringify(created.json.errors));
    const campaignId: string = created.json.data.createCampaign.id;
    await gql(stack, `mutation { setCampaignStatus(id: "${campaignId}", status: ACTIVE) { status } }`);

    const tables = journeyTables();
    const campaigns = new CampaignCache(tables, 0, { defaultTimeZone: 'UTC' });
    const ctx: EngineContext = { tables, campaigns, settings: () => campaigns.settings(), webhookSecret: 'test', messaging: {}, identitySecret: 'test', now: Date.now };
    const t0 = Date.now() - 3 * 86_400_000;
    const events: StoredEvent[] = Array.from({ length: USERS }, (_, i) => ({
      type: 'track',
      event: 'fault_trigger',
      eventId: `fault-${i}`,
      userId: `fault-user-${i}`,
      timestamp: new Date(t0 + i * 1000).toISOString(),
    }));
    // A batch that also holds each trigger twice (a client resend): still one enrollment per user.
    const records = [...events, ...events].map((e) => record(e));

    const faults = installFaults(0.2);
    let batchAttempts: number;
    let ticks = 0;
    try {
      faults.state.armed = true;
      batchAttempts = await untilProcessed(ctx, records);
      // Timer ticks, each of which may be killed, until every enrollment has finished.
      for (; ticks < 300; ticks++) {
        await fireDueTimers(ctx).catch(() => undefined);
        const states = await Promise.all(events.map((e) => enrollmentsOfUser(tables.enrollments, e.userId!)));
        if (states.every((s) => s.length === 1 && s[0]!.state.status === 'COMPLETED' && s[0]!.pending.length === 0)) break;
      }
      // A redelivery of the whole batch once everything is done (at-least-once) still changes nothing.
      batchAttempts += await untilProcessed(ctx, records.map((r) => record(JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).event)));
    } finally {
      faults.state.armed = false;
      faults.remove();
    }
    assert.ok(faults.state.kills >= MIN_KILLS, `${faults.state.kills} kills (${faults.state.before} before a write, ${faults.state.after} after)`);
    assert.ok(faults.state.before > 0 && faults.state.after > 0, 'kills both before and after writes');

    const outbox = await allOutbox(campaignId);
    const count = (kind: string, node?: string) => outbox.filter((o) => o.kind === kind && (!node || o.node === node)).length;
    assert.equal(count('MESSAGE', 'hello'), USERS, 'one hello each');
    assert.equal(count('MESSAGE', 'bye'), USERS, 'one bye each');
    assert.equal(count('ACTION'), USERS, 'one coupon each');
    assert.equal(count('EXPOSURE'), USERS, 'one exposure each');
    assert.equal(outbox.length, 4 * USERS, `nothing else: ${JSON.stringify(outbox.map((o) => o.idempotencyKey))}`);
    assert.equal(new Set(outbox.map((o) => `${o.kind}:${o.idempotencyKey}`)).size, outbox.length, 'every key once');
    for (const o of outbox.filter((m) => m.kind === 'MESSAGE')) assert.equal(o.status, 'SENT', o.detail);
    // The code a user was sent is the coupon their ACTION recorded.
    for (const e of events) {
      const coupon = outbox.find((o) => o.kind === 'ACTION' && o.userId === e.userId)!.couponCode!;
      const bye = outbox.find((o) => o.node === 'bye' && o.userId === e.userId)!;
      assert.equal(bye.body, `Your code ${coupon}`);
      const [only] = await enrollmentsOfUser(tables.enrollments, e.userId!);
      assert.deepEqual(only!.state.path, ['hello', 'split', 'coupon', 'wait', 'bye', 'end']);
    }
    assert.ok(batchAttempts > 1 && ticks > 0);
  });

  it('does not take a campaign activated after the cache loaded for a draft (its timers would be dropped)', async () => {
    const tables = journeyTables();
    const cache = new CampaignCache(tables, 3600, { defaultTimeZone: 'UTC' });
    await cache.byId(); // loaded before the campaign exists
    const journey = { trigger: { kind: 'EVENT', event: 'late_cache' }, start: 'e', nodes: { e: { type: 'EXIT' } } };
    const id = (await gql(stack, 'mutation($j: JSON!) { createCampaign(input: { name: "late", journey: $j }) { id } }', { j: journey })).json.data.createCampaign.id;
    assert.equal((await cache.campaign(id))?.status, 'DRAFT');
    await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
    assert.equal((await cache.byId()).get(id)?.status, 'DRAFT', 'the cached list is still the old one');
    assert.equal((await cache.campaign(id))?.status, 'ACTIVE', 'a draft is re-read');
  });
});
