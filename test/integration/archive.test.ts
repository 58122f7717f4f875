import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { archiveFileKey } from '../../core/analytics/archive/files.js';
import { encodeArchiveFile } from '../../core/analytics/archive/parquet.js';
import { fromArchiveRecord, toArchiveRecord } from '../../core/analytics/archive/record.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { replayArchive } from '../../core/analyticsEngine/replayArchive.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { generateKey, putApiKey } from '../../core/auth/apiKeys.js';
import { gql, postJson, track, useTestStack, waitFor } from '../support/stack.js';

/*
 * The event archive through the running stack: events ingested over HTTP are archived by the archiver function
 * (its event source mapping, 1 s window locally) and queried through the gateway on embedded DuckDB: funnels in
 * each order, with a condition, an exclusion and a breakdown; retention; bought-together pairs; paths before an
 * order. Every figure below is worked out by hand from the five people's events.
 */
const stack = useTestStack();

const T0 = Date.now() - 3 * 3_600_000;
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const FROM = new Date(T0 - 3_600_000).toISOString();
const TO = new Date(T0 + 6 * 3_600_000).toISOString();

/** Five shoppers. f1, f2 in GB, the rest in FR. f4 adds to cart before viewing. f2 got a coupon before adding. */
function shoppers() {
  const ctx = (country: string) => ({ context: { country, channel: 'web' } });
  const view = (u: string, m: number, category: string, country: string) => track(u, 'product_viewed', at(m), { productId: 'A', category }, ctx(country));
  const add = (u: string, m: number, country: string) => track(u, 'product_added_to_cart', at(m), { productId: 'A' }, ctx(country));
  const order = (u: string, m: number, country: string) =>
    track(u, 'order_completed', at(m), { orderId: `${u}-o`, revenue: 20, products: [{ productId: 'A' }, { productId: 'B' }] }, ctx(country));
  return [
    view('f1', 0, 'shoes', 'GB'), add('f1', 1, 'GB'), order('f1', 2, 'GB'),
    view('f2', 0, 'shoes', 'GB'), track('f2', 'coupon_issued', at(0.5), {}, ctx('GB')), add('f2', 1, 'GB'),
    view('f3', 0, 'hats', 'FR'),
    add('f4', 0, 'FR'), view('f4', 1, 'shoes', 'FR'),
    view('f5', 0, 'hats', 'FR'), add('f5', 1, 'FR'), order('f5', 2, 'FR'),
    // f1 later on another device: a visit, then signing in there.
    { type: 'track', event: 'app_opened', anonymousId: 'f1-phone', timestamp: at(3) },
    { type: 'identify', userId: 'f1', anonymousId: 'f1-phone', timestamp: at(3.1) },
  ];
}

const STEPS = 'steps { step event users conversionFromStart conversionFromPrevious medianSecondsFromPrevious }';
const funnel = (args: string) => gql(stack, `{ funnel(from: "${FROM}", to: "${TO}", ${args}) { ${STEPS} breakdowns { value ${STEPS} } } }`);
const users = (steps: Array<{ users: number }>) => steps.map((s) => s.users);

describe('the event archive', () => {
  before(async () => {
    const seg = await gql(stack, 'mutation { createSegment(input: { id: "carters", name: "Carters", expression: "count(\\"product_added_to_cart\\") >= 1" }) { id } }');
    assert.equal(seg.json.errors, undefined, JSON.stringify(seg.json));
    await new Promise((r) => setTimeout(r, 1100)); // the tagger's rule cache (1 s in tests)
    const r = await postJson(stack.ingestUrl, { events: shoppers() }, stack.apiKey);
    assert.equal(r.json.accepted, 14, JSON.stringify(r.json));
    await waitFor(async () => {
      const f = await funnel('steps: [{ event: "product_viewed" }]');
      return f.json.data?.funnel.steps[0].users === 5 ? f : null;
    }, 'the archived events', 20_000);
  });

  it('answers a sequential funnel with conversions and the median time between steps', async () => {
    const r = await funnel('steps: [{ event: "product_viewed" }, { event: "product_added_to_cart" }, { event: "order_completed" }]');
    assert.equal(r.json.errors, undefined, JSON.stringify(r.json));
    const steps = r.json.data.funnel.steps;
    // f4 added before viewing: in order, it reaches only step 1.
    assert.deepEqual(users(steps), [5, 3, 2]);
    assert.deepEqual(steps.map((s: any) => s.conversionFromStart), [1, 0.6, 0.4]);
    assert.deepEqual(steps.map((s: any) => s.conversionFromPrevious), [1, 0.6, 2 / 3]);
    assert.deepEqual(steps.map((s: any) => s.medianSecondsFromPrevious), [null, 60, 60]);
    assert.deepEqual(r.json.data.funnel.breakdowns, []);
  });

  it('honours ANY and STRICT order, a property condition, an exclusion and a breakdown', async () => {
    const two = 'steps: [{ event: "product_viewed" }, { event: "product_added_to_cart" }]';
    assert.deepEqual(users((await funnel(`${two}, order: ANY`)).json.data.funnel.steps), [5, 4], 'f4 counts in any order');
    // f2's coupon falls between its view and its add: not strictly consecutive.
    assert.deepEqual(users((await funnel(`${two}, order: STRICT`)).json.data.funnel.steps), [5, 2]);
    const shoes = await funnel('steps: [{ event: "product_viewed", condition: "properties.category == \\"shoes\\"" }, { event: "product_added_to_cart" }]');
    assert.deepEqual(users(shoes.json.data.funnel.steps), [3, 2], 'f1, f2, f4 viewed shoes; f4 added before');
    const excluded = await funnel(`${two}, exclusions: [{ event: "coupon_issued", fromStep: 0, toStep: 1 }]`);
    assert.deepEqual(users(excluded.json.data.funnel.steps), [4, 2], "f2's attempt is voided by the coupon");
    const byCountry = (await funnel(`${two}, breakdown: COUNTRY`)).json.data.funnel;
    assert.deepEqual(users(byCountry.steps), [5, 3]);
    assert.deepEqual(
      byCountry.breakdowns.map((b: any) => [b.value, users(b.steps)]).sort(),
      [['FR', [3, 1]], ['GB', [2, 2]]],
    );
  });

  it('answers retention, bought-together pairs and the paths before an order', async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    const r = await gql(
      stack,
      `{ retention(startEvent: "product_viewed", returnEvent: "order_completed", from: "${day}T00:00:00Z", to: "${day}T23:59:59Z", period: DAY, periods: 2) { cohorts { start size returned } }
         boughtTogether(from: "${FROM}", to: "${TO}", minBaskets: 1) { productA productB baskets support confidenceAB confidenceBA lift }
         pathsBeforePurchase(from: "${FROM}", to: "${TO}", depth: 2) { events orders share } }`,
    );
    assert.equal(r.json.errors, undefined, JSON.stringify(r.json));
    assert.deepEqual(r.json.data.retention.cohorts, [{ start: `${day}T00:00:00.000Z`, size: 5, returned: [5] }]);
    assert.deepEqual(r.json.data.boughtTogether, [{ productA: 'A', productB: 'B', baskets: 2, support: 1, confidenceAB: 1, confidenceBA: 1, lift: 1 }]);
    assert.deepEqual(r.json.data.pathsBeforePurchase, [{ events: ['product_viewed', 'product_added_to_cart', 'order_completed'], orders: 2, share: 1 }]);
  });

  it('answers LTV by first-seen cohort and the RFM grid', async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    const r = await gql(
      stack,
      `{ ltv(from: "${day}T00:00:00Z", to: "${day}T23:59:59Z", period: DAY, periods: 1, acquisitionCost: 4) { start size ltv ltvToCac }
         rfm(from: "${FROM}", to: "${TO}") { recency frequency users orders revenue } }`,
    );
    assert.equal(r.json.errors, undefined, JSON.stringify(r.json));
    // Five people first seen that day, two orders of 20: 8 per person, twice the acquisition cost.
    assert.deepEqual(r.json.data.ltv, [{ start: `${day}T00:00:00.000Z`, size: 5, ltv: [8], ltvToCac: 2 }]);
    // Two buyers, f1 then f5 by person id at equal recency and frequency.
    assert.deepEqual(r.json.data.rfm.map((c: any) => [c.users, c.orders, c.revenue]), [[1, 1, 20], [1, 1, 20]]);
  });

  it("counts a metric exactly over a segment's members from the archive", async () => {
    const q = (metric: string, groupBy = '') =>
      gql(stack, `{ metric(metric: ${metric}, from: "${FROM}", to: "${TO}", granularity: MONTH, ${groupBy} filter: { segment: "carters" }) { group currency points { value exact } } }`);
    // Carters (added to a cart): f1, f2, f4, f5; f1 and f5 ordered 20 each (USD: no currency was sent).
    await waitFor(async () => (await gql(stack, '{ segment(id: "carters") { size } }')).json.data?.segment?.size === 4, 'four members');
    const total = (r: any) => r.json.data.metric.map((s: any) => [s.group, s.currency, s.points.reduce((n: number, p: any) => n + p.value, 0), s.points.every((p: any) => p.exact)]);
    assert.deepEqual(total(await q('ORDERS')), [[null, null, 2, true]]);
    assert.deepEqual(total(await q('REVENUE')), [[null, 'USD', 40, true]]);
    // f1's sign-in on the phone carried no country.
    assert.deepEqual(total(await q('ACTIVE_USERS', 'groupBy: COUNTRY,')).sort(), [[null, null, 1, true], ['FR', null, 2, true], ['GB', null, 2, true]]);
    const unknown = await gql(stack, `{ metric(metric: ORDERS, from: "${FROM}", to: "${TO}", granularity: DAY, filter: { segment: "nobody" }) { points { value } } }`);
    assert.equal(unknown.json.errors, undefined);
    assert.ok(unknown.json.data.metric[0].points.every((p: any) => p.value === 0), 'a segment without members counts nothing');
  });

  it("pages through a user's full history from the archive, visits on another device included", async () => {
    const page = async (after?: string) =>
      (await gql(stack, `query($after: String) { user(id: "f1") { events(first: 3, after: $after, history: true) { edges { node { type event } } pageInfo { hasNextPage endCursor } } } }`, { after }))
        .json;
    const one = await waitFor(async () => {
      const r = await page();
      return r.data?.user?.events.edges[0]?.node.type === 'identify' ? r : null;
    }, 'the identify archived');
    const names = (r: any) => r.data.user.events.edges.map((e: any) => e.node.event ?? e.node.type);
    assert.deepEqual(names(one), ['identify', 'app_opened', 'order_completed']);
    assert.equal(one.data.user.events.pageInfo.hasNextPage, true);
    const two = await page(one.data.user.events.pageInfo.endCursor);
    assert.deepEqual(names(two), ['product_added_to_cart', 'product_viewed']);
    assert.equal(two.data.user.events.pageInfo.hasNextPage, false);
  });

  it("backfills a stage from another archive: the replayed events make the person's profile", async () => {
    // Another stage's archive (a folder here), holding a person this stack never saw: a visit, the sign-up that
    // links it, an order. Each row reads back as the event it was made from.
    const events: StoredEvent[] = [
      { type: 'track', event: 'product_viewed', eventId: 'bf-e1', anonymousId: 'bf-visitor', timestamp: at(10), properties: { productId: 'A' }, context: { channel: 'web', locale: 'en-GB' } },
      { type: 'identify', eventId: 'bf-e2', userId: 'bf-1', anonymousId: 'bf-visitor', timestamp: at(11), traits: { plan: 'gold' } },
      { type: 'track', event: 'order_completed', eventId: 'bf-e3', userId: 'bf-1', timestamp: at(12), properties: { orderId: 'bf-o', revenue: 42 } },
    ] as StoredEvent[];
    for (const e of events) assert.deepEqual(fromArchiveRecord(toArchiveRecord(e)), e, e.eventId);
    const other = new FolderArchiveFiles(await mkdtemp(join(tmpdir(), 'opsgraph-other-archive-')));
    const day = new Date(T0).toISOString().slice(0, 10);
    await other.write(archiveFileKey(day, 'x'), encodeArchiveFile(events.map((e) => toArchiveRecord(e))));
    await other.write(archiveFileKey(day, 'x-again'), encodeArchiveFile([toArchiveRecord(events[2]!)])); // a redelivered copy
    const outcome = await replayArchive(other, process.env.EVENTS_STREAM!, { fromDate: day, toDate: day });
    assert.deepEqual(outcome, { files: 2, events: 3, stored: 3, failed: [] });
    const user = await waitFor(async () => {
      const u = (await gql(stack, '{ user(id: "bf-1") { traits stats { orders revenue } identities { kind value } } }')).json.data?.user;
      // The visit and the identify share a shard, the order may take another: wait for both.
      return u?.stats.orders === 1 && u.traits.plan ? u : null;
    }, 'the backfilled profile');
    assert.equal(user.traits.plan, 'gold');
    assert.equal(user.stats.revenue, 42);
    assert.ok(user.identities.some((i: any) => i.kind === 'ANONYMOUS_ID' && i.value === 'bf-visitor'), "the visit's id, linked by the identify");
  });

  it('refuses bad input with a typed error, and keys without analytics:read', async () => {
    const backwards = await gql(stack, `{ funnel(from: "${TO}", to: "${FROM}", steps: [{ event: "login" }]) { steps { users } } }`);
    assert.equal(backwards.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(backwards.json.errors?.[0]?.extensions?.reason, 'RANGE_REVERSED');
    const condition = await funnel('steps: [{ event: "login", condition: "stats.orders > 1" }]');
    assert.equal(condition.json.errors?.[0]?.extensions?.reason, 'BAD_CONDITION');
    const periods = await gql(stack, `{ retention(startEvent: "login", returnEvent: "login", from: "${FROM}", to: "${TO}", period: DAY, periods: 1000) { cohorts { size } } }`);
    assert.equal(periods.json.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const reader = generateKey();
    await putApiKey(process.env.API_KEYS_TABLE!, reader, { name: 'reader', scopes: ['profiles:read'] });
    const refused = await gql(stack, `{ funnel(from: "${FROM}", to: "${TO}", steps: [{ event: "login" }]) { steps { users } } }`, {}, reader);
    assert.equal(refused.json.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });
});
