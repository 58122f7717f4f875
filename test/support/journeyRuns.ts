import type { KinesisStreamRecord } from 'aws-lambda';
import type { StoredEvent } from '../../core/events/schema.js';
import type { EngineContext } from '../../core/journeyEngine/advance.js';
import { CampaignCache } from '../../core/journeyEngine/campaignCache.js';
import { fireDueTimers } from '../../core/journeyEngine/fireTimers.js';
import { processJourneyEvents } from '../../core/journeyEngine/onEvents.js';
import { enrollmentsOfUser } from '../../core/journeyEngine/store/enrollments.js';
import { listOutbox, type OutboxItem } from '../../core/journeyEngine/store/outbox.js';
import { journeyTables } from '../../core/journeyEngine/tables.js';

/*
 * The journey engine run by hand, as Lambda would run it, for the fault-injection tests
 * (test/integration/journeysFaults.test.ts and the worker process it kills, test/support/journeyWorker.ts).
 */

/**
 * The fault tests' journey, triggered by `event`: a send, a split, a coupon, a wait of an hour and a send with the
 * coupon's code.
 */
export const faultJourney = (event: string) => ({
  trigger: { kind: 'EVENT', event },
  start: 'hello',
  nodes: {
    hello: { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'Hello {{traits.name|there}}' }, next: 'split' },
    split: { type: 'RANDOM', branches: [{ percent: 50, next: 'coupon' }, { percent: 50, next: 'coupon' }] },
    coupon: { type: 'ACTION', action: 'ISSUE_COUPON', params: { value: 5, prefix: 'FAULT' }, next: 'wait' },
    wait: { type: 'WAIT', duration: 'PT1H', next: 'bye' },
    bye: { type: 'SEND', channel: 'email', purpose: 'transactional', message: { body: 'Your code {{coupon.code}}' }, next: 'end' },
    end: { type: 'EXIT' },
  },
});

/** The path every enrollment of {@link faultJourney} takes. */
export const FAULT_PATH = ['hello', 'split', 'coupon', 'wait', 'bye', 'end'];

/** `event`s for `users` users (a trigger of {@link faultJourney}), three days ago (so the hour's wait is due). */
export function faultTriggers(event: string, prefix: string, users: number): StoredEvent[] {
  const t0 = Date.now() - 3 * 86_400_000;
  return Array.from({ length: users }, (_, i) => ({
    type: 'track',
    event,
    eventId: `${prefix}-${i}`,
    userId: `${prefix}-user-${i}`,
    timestamp: new Date(t0 + i * 1000).toISOString(),
  }));
}

/** An engine context on the stack's tables, with no campaign cache (every read is fresh). */
export function engineContext(): EngineContext {
  const tables = journeyTables();
  const campaigns = new CampaignCache(tables, 0, { defaultTimeZone: 'UTC' });
  return { tables, campaigns, settings: () => campaigns.settings(), webhookSecret: 'test', messaging: {}, identitySecret: 'test', now: Date.now };
}

/** Lambda's retry loop for one batch: hand the records in again from the earliest failure until none fails. */
export async function untilProcessed(ctx: EngineContext, records: KinesisStreamRecord[]): Promise<number> {
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

/** Timer ticks (any of which may fail) until every user's one enrollment has completed; the ticks it took. */
export async function untilCompleted(ctx: EngineContext, userIds: readonly string[], maxTicks = 300): Promise<number> {
  for (let ticks = 1; ticks <= maxTicks; ticks++) {
    await fireDueTimers(ctx).catch(() => undefined);
    const states = await Promise.all(userIds.map((u) => enrollmentsOfUser(ctx.tables.enrollments, u)));
    if (states.every((s) => s.length === 1 && s[0]!.state.status === 'COMPLETED' && s[0]!.pending.length === 0)) return ticks;
  }
  throw new Error(`not every enrollment completed in ${maxTicks} ticks`);
}

/** Every outbox item of a campaign. */
export async function allOutbox(campaignId: string): Promise<OutboxItem[]> {
  const items: OutboxItem[] = [];
  let after: { userId: string; id: string } | undefined;
  do {
    const page = await listOutbox(process.env.OUTBOX_TABLE!, { campaignId, first: 100, after });
    items.push(...page.items);
    after = page.next;
  } while (after);
  return items;
}
