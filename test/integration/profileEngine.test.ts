import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listAudit } from '../../core/store/audit.js';
import { gql, postJson, useTestStack, track, waitFor } from '../support/stack.js';

const stack = useTestStack();

const send = async (...events: unknown[]) => {
  const res = await postJson(stack.ingestUrl, { events }, stack.apiKey);
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.deepEqual(res.json.rejected, []);
};

const userQuery = `query($id: ID!) { user(id: $id) { id identities { kind value } traits stats { orders revenue } tags { name source ruleVersion } segments { id } mergedFrom } }`;
const user = async (id: string) => (await gql(stack, userQuery, { id })).json.data?.user;

describe('identity resolution', () => {
  it('merges an anonymous visitor into the user on identify, without double counting', async () => {
    await send(
      { type: 'track', event: 'product_viewed', anonymousId: 'a-77', timestamp: '2026-11-01T10:00:00Z', properties: { category: 'Lamps' } },
      { type: 'track', event: 'order_completed', anonymousId: 'a-77', timestamp: '2026-11-01T10:05:00Z', properties: { orderId: 'g1', revenue: 40 } },
    );
    await waitFor(async () => (await user('anon:a-77'))?.stats.orders === 1, 'anonymous profile');
    await send(
      { type: 'identify', userId: 'known-1', anonymousId: 'a-77', timestamp: '2026-11-01T10:10:00Z', traits: { email: 'Ann@Example.com', plan: 'pro' } },
      track('known-1', 'order_completed', '2026-11-02T09:00:00Z', { orderId: 'k1', revenue: 60 }),
    );
    const merged = await waitFor(async () => {
      const u = await user('known-1');
      return u?.stats.orders === 2 ? u : null;
    }, 'merged profile');
    assert.equal(merged.stats.revenue, 100);
    assert.deepEqual(merged.mergedFrom, ['anon:a-77']);
    assert.equal(merged.traits.plan, 'pro');
    assert.equal(merged.traits.email, undefined, 'raw email never stored as a trait');
    const email = merged.identities.find((i: { kind: string }) => i.kind === 'EMAIL');
    assert.match(email.value, /^[0-9a-f]{64}$/);
    assert.equal(await user('anon:a-77'), null, 'the anonymous profile is gone');
    // Later anonymous events land on the known user.
    await send({ type: 'track', event: 'login', anonymousId: 'a-77', timestamp: '2026-11-03T09:00:00Z' });
    const byEmail = await waitFor(async () => {
      const r = await gql(stack, '{ userByIdentity(kind: EMAIL, value: " ann@example.COM ") { id stats { orders } } }');
      return r.json.data?.userByIdentity?.id === 'known-1' ? r.json.data.userByIdentity : null;
    }, 'userByIdentity');
    assert.equal(byEmail.stats.orders, 2);
    const anonLookup = await gql(stack, '{ userByIdentity(kind: ANONYMOUS_ID, value: "a-77") { id } }');
    assert.equal(anonLookup.json.data.userByIdentity.id, 'known-1');
    const audit = await listAudit(process.env.AUDIT_TABLE!, 'profile#known-1');
    assert.ok(audit.some((a) => a.action === 'merge' && a.detail.from === 'anon:a-77'), 'merge audited');
  });

  it('merges on alias and ignores blocked identity values', async () => {
    await send(track('old-id', 'order_completed', '2026-11-01T10:00:00Z', { orderId: 'x1', revenue: 5 }));
    await waitFor(async () => (await user('old-id'))?.stats.orders === 1, 'old profile');
    await send({ type: 'alias', userId: 'new-id', previousId: 'old-id', timestamp: '2026-11-02T10:00:00Z' });
    const merged = await waitFor(async () => {
      const u = await user('new-id');
      return u?.stats.orders === 1 ? u : null;
    }, 'aliased profile');
    assert.deepEqual(merged.mergedFrom, ['old-id']);
    const lookup = await gql(stack, '{ userByIdentity(kind: USER_ID, value: "old-id") { id } }');
    assert.equal(lookup.json.data.userByIdentity.id, 'new-id');
    const blocked = await gql(stack, '{ userByIdentity(kind: EMAIL, value: "unknown") { id } }');
    assert.equal(blocked.json.data.userByIdentity, null);
  });
});

describe('tag rules and segments as data', () => {
  it('applies a new rule without a restart, records its version, and previews before saving', async () => {
    await send(track('r1', 'share', '2026-11-05T10:00:00Z'), track('r1', 'share', '2026-11-05T11:00:00Z'));
    await waitFor(async () => (await user('r1'))?.stats !== undefined, 'r1');
    const preview = await gql(stack, 'mutation { previewTagRule(expression: "count(\\"share\\") >= 2") { evaluated matched sample } }');
    assert.ok(preview.json.data.previewTagRule.matched >= 1);
    assert.ok(preview.json.data.previewTagRule.sample.includes('r1'));
    const bad = await gql(stack, 'mutation { createTagRule(input: { tag: "x_bad", expression: "count(\\"share\\" >= " }) { id } }');
    assert.equal(bad.json.errors[0].extensions.code, 'BAD_USER_INPUT');
    assert.equal(typeof bad.json.errors[0].extensions.position, 'number');
    const created = await gql(
      stack,
      'mutation { createTagRule(input: { tag: "sharer", description: "Shares a lot", expression: "count(\\"share\\") >= 3" }) { id version } }',
    );
    assert.deepEqual(created.json.data.createTagRule, { id: 'sharer', version: 1 });
    // Running handlers reload rules after RULES_TTL_SECONDS (1 s in tests, 30 s by default).
    await new Promise((r) => setTimeout(r, 1100));
    await send(track('r1', 'share', '2026-11-05T12:00:00Z'));
    const tagged = await waitFor(async () => {
      const u = await user('r1');
      return u?.tags.find((t: { name: string }) => t.name === 'sharer');
    }, 'sharer tag', 20_000);
    assert.deepEqual(tagged, { name: 'sharer', source: 'rule:sharer', ruleVersion: 1 });
    const stale = await gql(stack, 'mutation { updateTagRule(id: "sharer", expectedVersion: 7, input: { tag: "sharer", expression: "true" }) { id } }');
    assert.equal(stale.json.errors[0].extensions.code, 'CONFLICT');
    const members = await gql(stack, '{ users(filter: { tag: "sharer" }) { totalCount edges { node { id } } } }');
    assert.equal(members.json.data.users.totalCount, 1);
    assert.equal((await gql(stack, 'mutation { deleteTagRule(id: "sharer") }')).json.data.deleteTagRule, true);
    // Each change is audited (newest first) with the name of the key that made it; the refused stale update left none.
    const audit = await listAudit(process.env.AUDIT_TABLE!, 'rule#sharer');
    assert.deepEqual(audit.map((a) => [a.action, a.detail.by]), [['rule_deleted', 'admin'], ['rule_created', 'admin']]);
    assert.equal(audit[1]!.detail.expression, 'count("share") >= 3');
  });

  it('pages a user’s events by position: new events and events leaving the 100-event ring never repeat a page', async () => {
    const at = (n: number) => new Date(Date.UTC(2026, 10, 1) + n * 60_000).toISOString();
    const login = (n: number) => track('pg-1', 'login', at(n), {}, { eventId: `pg-${n}` });
    await send(...Array.from({ length: 100 }, (_, i) => login(i + 1)));
    const newest = async () => (await gql(stack, '{ user(id: "pg-1") { events(first: 1) { edges { node { eventId } } } } }')).json.data.user?.events.edges[0]?.node.eventId;
    await waitFor(async () => (await newest()) === 'pg-100', 'pg-1');
    const page = async (first: number, after: string | null) =>
      (await gql(stack, 'query($first: Int, $after: String) { user(id: "pg-1") { events(first: $first, after: $after) { edges { node { eventId } } pageInfo { hasNextPage endCursor } } } }', { first, after })).json.data.user.events;
    const ids = (p: { edges: Array<{ node: { eventId: string } }> }) => p.edges.map((e) => e.node.eventId);

    const first = await page(2, null);
    assert.deepEqual(ids(first), ['pg-100', 'pg-99']);
    // A newer event arrives between pages: the next page still starts right after pg-99.
    await send(login(101));
    await waitFor(async () => (await newest()) === 'pg-101', 'pg-101');
    const second = await page(96, first.pageInfo.endCursor);
    assert.deepEqual(ids(second), Array.from({ length: 96 }, (_, i) => `pg-${98 - i}`));
    assert.equal(second.pageInfo.hasNextPage, true);
    // Three more arrive: pg-3 (the cursor’s event) and older leave the ring. The next page is what is still kept
    // after the cursor, nothing, rather than a restart from the newest.
    await send(login(102), login(103), login(104));
    await waitFor(async () => (await newest()) === 'pg-104', 'pg-104');
    const third = await page(10, second.pageInfo.endCursor);
    assert.deepEqual(ids(third), []);
    assert.equal(third.pageInfo.hasNextPage, false);
    const bad = await gql(stack, '{ user(id: "pg-1") { events(after: "not a cursor") { edges { cursor } } } }');
    assert.equal(bad.json.errors[0].extensions.code, 'BAD_USER_INPUT');
  });

  it('applies every starter tag from real events through the running tagger', async () => {
    const order = (u: string, t: string, revenue: number, extra: Record<string, unknown> = {}) =>
      track(u, 'order_completed', t, { orderId: `${u}-${t}`, revenue, ...extra });
    await send(
      order('sp-hv', '2026-11-20T10:00:00Z', 1500),
      order('sp-net', '2026-11-10T10:00:00Z', 1500),
      track('sp-net', 'order_refunded', '2026-11-12T10:00:00Z', { orderId: 'sp-net-2026-11-10T10:00:00Z', revenue: 1500 }),
      track('sp-cart', 'product_added_to_cart', '2026-11-20T10:00:00Z', { productId: 'p1', category: 'Toys' }),
      track('sp-cart', 'login', '2026-11-21T12:00:00Z'),
      order('sp-price', '2026-11-18T10:00:00Z', 40, { discount: 5 }),
      order('sp-price', '2026-11-19T10:00:00Z', 40, { coupon: 'WINTER' }),
      // Four views (weight 1 each, 30-day half-life) put the decayed score over the threshold of 3.
      ...[1, 2, 3, 4].map((n) => track('sp-int', 'product_viewed', `2026-11-20T0${n}:00:00Z`, { productId: `p${n}`, category: 'Garden' })),
      track('sp-neg', 'message_received', '2026-11-20T10:00:00Z', { text: 'The parcel arrived broken and support was useless. Terrible.' }),
      track('sp-neg-zh', 'message_received', '2026-11-20T10:00:00Z', { text: '质量太差了，非常失望' }),
      track('sp-ok', 'message_received', '2026-11-20T10:00:00Z', { text: 'Thanks, it arrived on time and works well.' }),
      track('sp-pay', 'payment_failed', '2026-11-20T10:00:00Z', { orderId: 'x1' }),
    );
    const expected: Record<string, { has: string[]; not?: string[] }> = {
      'sp-hv': { has: ['high_value', 'new_user'] },
      'sp-net': { has: ['new_user'], not: ['high_value'] },
      'sp-cart': { has: ['cart_abandoner'] },
      'sp-price': { has: ['price_sensitive'], not: ['high_value'] },
      'sp-int': { has: ['interest:garden'] },
      'sp-neg': { has: ['negative_feedback'] },
      'sp-neg-zh': { has: ['negative_feedback'] },
      'sp-ok': { has: ['new_user'], not: ['negative_feedback'] },
      'sp-pay': { has: ['payment_risk'] },
    };
    for (const [id, want] of Object.entries(expected)) {
      // Both conditions are awaited: a refund may be folded a batch after its order.
      await waitFor(async () => {
        const names: string[] | undefined = (await user(id))?.tags.map((t: { name: string }) => t.name);
        return names && want.has.every((t) => names.includes(t)) && !(want.not ?? []).some((t) => names.includes(t)) ? names : null;
      }, `${id} to hold ${want.has.join(', ')}${want.not ? ` and not ${want.not.join(', ')}` : ''}`);
    }
  });

  it('previews time-based rules and derives stats at an explicit asOf (now by default)', async () => {
    await send(
      track('asof-1', 'order_completed', '2026-09-01T10:00:00Z', { orderId: 'asof-o1', revenue: 30 }),
      track('asof-1', 'order_completed', '2026-09-10T10:00:00Z', { orderId: 'asof-o2', revenue: 50 }),
    );
    await waitFor(async () => (await user('asof-1'))?.stats.orders === 2, 'asof-1');
    // Silent since 2026-09-10 (the revenue picks this user out): dormant now, as the hourly sweep will find, and
    // at a later asOf; not five days after the last order.
    const dormant = `mutation($asOf: DateTime) { previewTagRule(
      expression: "days_since(stats.lastSeenAt) >= 30 and stats.revenue == 80", sample: 10000, asOf: $asOf) { sample } }`;
    const sampleAt = async (asOf?: string) => (await gql(stack, dormant, asOf ? { asOf } : {})).json.data.previewTagRule.sample;
    assert.ok((await sampleAt()).includes('asof-1'));
    assert.ok((await sampleAt('2026-10-15T10:00:00Z')).includes('asof-1'));
    assert.ok(!(await sampleAt('2026-09-15T10:00:00Z')).includes('asof-1'));

    const stats = `query($asOf: DateTime) { user(id: "asof-1") { stats(asOf: $asOf) {
      recencyDays frequency monetary windows { event last7d last30d total } } } }`;
    const at = await gql(stack, stats, { asOf: '2026-09-12T10:00:00Z' });
    const s = at.json.data.user.stats;
    assert.equal(s.recencyDays, 2);
    assert.equal(s.frequency, 2);
    assert.equal(s.monetary, 80);
    assert.deepEqual(s.windows.find((w: { event: string }) => w.event === 'order_completed'), { event: 'order_completed', last7d: 1, last30d: 2, total: 2 });
    // A year on, the rolling windows are empty although the lifetime total stays.
    const later = (await gql(stack, stats, { asOf: '2027-09-12T10:00:00Z' })).json.data.user.stats;
    assert.equal(later.recencyDays, 367);
    assert.equal(later.frequency, 0);
    assert.deepEqual(later.windows.find((w: { event: string }) => w.event === 'order_completed'), { event: 'order_completed', last7d: 0, last30d: 0, total: 2 });
    const bad = await gql(stack, stats, { asOf: 'yesterday' });
    assert.equal(bad.json.errors[0].extensions.code, 'BAD_USER_INPUT');
  });

  it('keeps segment membership exact and pages members with cursors', async () => {
    const seg = await gql(
      stack,
      'mutation { createSegment(input: { id: "big_spenders", name: "Big spenders", expression: "stats.revenue >= 100" }) { id version } }',
    );
    assert.equal(seg.json.data.createSegment.id, 'big_spenders');
    const preview = await gql(stack, 'mutation { previewSegment(expression: "stats.revenue >= 100") { evaluated matched } }');
    assert.ok(preview.json.data.previewSegment.evaluated > 0);
    const events = ['s1', 's2', 's3', 's4', 's5'].map((u, i) => track(u, 'order_completed', '2026-11-06T10:00:00Z', { orderId: `${u}-o`, revenue: 100 + i }));
    // Let the tagger pick up the new segment (rule TTL is 1 s in tests) before sending.
    await new Promise((r) => setTimeout(r, 1100));
    await send(...events);
    const size = await waitFor(async () => {
      const r = await gql(stack, '{ segment(id: "big_spenders") { size } }');
      return r.json.data?.segment?.size >= 5 ? r.json.data.segment.size : null;
    }, 'segment size');
    const ids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: { json: any } = await gql(stack, 'query($after: String) { segment(id: "big_spenders") { members(first: 2, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } }', { after });
      const page = r.json.data.segment.members;
      ids.push(...page.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    assert.equal(ids.length, size);
    assert.equal(new Set(ids).size, ids.length);
    for (const u of ['s1', 's2', 's3', 's4', 's5']) assert.ok(ids.includes(u));
  });

  it('re-evaluates time-based tags on schedule (dormant after 30 days of silence)', async () => {
    await send(track('sleepy', 'login', '2026-09-01T10:00:00Z'));
    const before = await waitFor(async () => (await user('sleepy'))?.tags, 'sleepy');
    assert.ok(!before.some((t: { name: string }) => t.name === 'dormant'));
    await stack.runScheduled('sweeper', new Date('2026-10-15T00:00:00Z'));
    const afterSweep = await user('sleepy');
    assert.ok(afterSweep.tags.some((t: { name: string }) => t.name === 'dormant'));
    assert.ok(!afterSweep.tags.some((t: { name: string }) => t.name === 'new_user'));
    const dormant = await gql(stack, '{ users(filter: { tag: "dormant" }) { edges { node { id } } } }');
    assert.ok(dormant.json.data.users.edges.some((e: { node: { id: string } }) => e.node.id === 'sleepy'));
  });

  it('fills a new segment from existing profiles at the next minute’s tick, and otherwise sweeps only hourly', async () => {
    // Settle the sweeper on the current rules first (its first tick ever sweeps, having no record).
    await stack.runScheduled('sweeper', new Date('2026-11-23T09:01:00Z'));
    const created = await gql(stack, 'mutation { createSegment(input: { id: "fill_me", name: "Fill me", expression: "stats.revenue >= 103" }) { id } }');
    assert.equal(created.json.data.createSegment.id, 'fill_me');
    const size = async () => (await gql(stack, '{ segment(id: "fill_me") { size members(first: 100) { edges { node { id } } } } }')).json.data.segment;
    assert.equal((await size()).size, 0, 'no profile changed since: nothing has evaluated the new segment yet');

    await new Promise((r) => setTimeout(r, 1100)); // the sweeper's rule cache (1 s in tests)
    const tick = (t: string) => stack.runScheduled('sweeper', new Date(t)) as Promise<{ trigger: string; scanned: number }>;
    const filled = await tick('2026-11-23T09:02:00Z');
    assert.equal(filled.trigger, 'rules_changed');
    assert.ok(filled.scanned > 0);
    const after = await size();
    assert.ok(after.size >= 2, `size ${after.size}`);
    const members = after.members.edges.map((e: { node: { id: string } }) => e.node.id);
    assert.ok(members.includes('s4') && members.includes('s5') && !members.includes('s1'));
    // Nothing changed since: the next minutes do nothing; the top of the hour sweeps regardless.
    assert.deepEqual(await tick('2026-11-23T09:03:00Z'), { trigger: 'none', scanned: 0, changed: 0 });
    assert.equal((await tick('2026-11-23T10:00:00Z')).trigger, 'hourly');
  });
});
