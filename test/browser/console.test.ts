import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, seriousViolations, watchPage, type PageWatch } from '../support/browser.js';
import { gql, postJson, track, useTestStack, waitFor as waitForWithin } from '../support/stack.js';

/*
 * The ops console in a real browser (Debian's Chromium through playwright-core) against the local stack, on the
 * public API only: one walk per view with assertions on what is visible, no page or console errors, no request off
 * the machine, no serious axe-core violation, and a screenshot of each view under test-artifacts/console/.
 */
const stack = useTestStack({ schedules: ['journeyTimers', 'audiences'] });
const SHOTS = join(process.cwd(), 'test-artifacts', 'console');
const DAY = 86_400_000;
const at = (daysAgo: number, hour = 10) => {
  const d = new Date(Date.now() - daysAgo * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const USERS = 12;
const BUYERS = [...Array(USERS).keys()].filter((i) => i % 2 === 0);
const revenueOf = (i: number) => 20 + i * 5;

/** What the page shows once the stack has processed something: generous, as the suite shares two cores. */
const waitFor = <T>(probe: () => Promise<T>, what: string, timeoutMs = 45_000) => waitForWithin(probe, what, timeoutMs);

let browser: Browser;
let context: BrowserContext;
let page: Page;
let watch: PageWatch;
let readerKey: string;

async function seed() {
  // The KPIs count the current UTC day, week and month: a run that straddles midnight would seed one day and read
  // the next (the activity seeded below a minute ago would be yesterday's), so a run close to it waits until after.
  const toMidnight = DAY - (Date.now() % DAY);
  if (toMidnight < 300_000) await new Promise((r) => setTimeout(r, toMidnight + 1_000));
  // The campaign and the segment first, so the orders below enroll their buyers (journeys act on events after
  // activation) and put them in the segment (the fold evaluates the segments that exist when it runs).
  const segment = await gql(stack, 'mutation { createSegment(input: { id: "buyers", name: "Buyers", expression: "stats.orders > 0" }) { id } }');
  assert.ok(segment.json.data, JSON.stringify(segment.json.errors));
  const campaign = await gql(stack, 'mutation { createCampaignFromTemplate(template: "post_purchase_review", name: "Review ask") { id } }');
  const id = campaign.json.data.createCampaignFromTemplate.id as string;
  assert.ok((await gql(stack, `mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`)).json.data);
  await new Promise((r) => setTimeout(r, 1100)); // the journey functions' campaign cache and the tagger's rules (1 s in tests)
  const events: unknown[] = [];
  for (let i = 0; i < USERS; i++) {
    const userId = `cu-${i}`;
    const ctx = { context: { channel: i % 3 ? 'web' : 'app', country: i % 2 ? 'FR' : 'GB' } };
    events.push({ type: 'identify', userId, timestamp: at(6), traits: { email: `${userId}@example.com`, name: `Customer ${i}`, consent: { marketing: true } } });
    events.push(track(userId, 'product_viewed', at(5), { productId: 'p1', category: 'mugs' }, ctx));
    events.push(track(userId, 'product_added_to_cart', at(5, 11), { productId: 'p1', price: 20 }, ctx));
    if (BUYERS.includes(i)) events.push(track(userId, 'order_completed', at(4), { orderId: `co-${i}`, revenue: revenueOf(i), currency: 'GBP' }, ctx));
    events.push(track(userId, 'experiment_viewed', at(3), { experimentId: 'console-cta', variationId: i % 2 }, ctx));
    if (i % 3 === 0) events.push(track(userId, 'signed_up', at(3, 12), {}, ctx));
    // Active today, so today's, this week's and this month's active users are every seeded user whatever the date.
    events.push(track(userId, 'page_viewed', new Date(Math.max(Date.now() - 60_000, Date.now() - (Date.now() % DAY))).toISOString(), { path: '/' }, ctx));
  }
  const r = await postJson(stack.ingestUrl, { events }, stack.apiKey);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const setup = await gql(
    stack,
    `mutation {
      createExperiment(input: { key: "console-cta", name: "Console CTA", variants: [{ key: "control" }, { key: "bold" }],
        metrics: [{ name: "signup", kind: CONVERSION, event: "signed_up", windowHours: 48 }], startAt: "${at(7)}" }) { id }
    }`,
  );
  assert.ok(setup.json.data, JSON.stringify(setup.json.errors));
  assert.ok((await gql(stack, 'mutation { setExperimentStatus(id: "console-cta", status: RUNNING) { status } }')).json.data);
  const reader = await gql(stack, 'mutation { createApiKey(input: { name: "reader", scopes: ["profiles:read"] }) { key } }');
  readerKey = reader.json.data.createApiKey.key;
  // The profiles and the archive (funnels, the timeline) have every seeded event.
  await waitFor(async () => {
    const q = await gql(stack, `{ segment(id: "buyers") { size } user(id: "cu-0") { events(first: 100, history: true) { edges { node { eventId } } } } }`);
    return q.json.data?.segment?.size === BUYERS.length && q.json.data.user?.events.edges.length >= 5;
  }, 'profiles and the archive', 30_000);
}

async function check(name: string) {
  await page.waitForLoadState('networkidle');
  const violations = await seriousViolations(page);
  assert.deepEqual(violations.map((v) => `${v.id}: ${v.help} ${JSON.stringify(v.nodes.slice(0, 3))}`), [], `${name}: axe`);
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  assert.deepEqual(watch.errors, [], `${name}: page and console errors`);
  assert.deepEqual(watch.offMachine, [], `${name}: requests off the machine`);
}

async function signIn(key: string) {
  await page.goto(`${stack.url}/console/`);
  await page.getByLabel('API key or JWT').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').waitFor();
}

const text = (testId: string) => page.getByTestId(testId).innerText();

describe('the ops console in Chromium', () => {
  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    await seed();
    browser = await launchChromium();
    context = await browser.newContext({ locale: 'en-GB', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    watch = await watchPage(page, stack.url);
    page.on('dialog', (d) => void d.accept());
  });
  after(async () => {
    await browser?.close();
  });

  it('signs in with an admin key and shows every view', async () => {
    await signIn(stack.apiKey);
    const nav = await page.getByRole('navigation').getByRole('link').allInnerTexts();
    assert.deepEqual(nav, ['Overview', 'Profiles', 'Tags & segments', 'Campaigns', 'Experiments', 'Analytics', 'Settings']);
    await check('signin');
  });

  it('overview: active users, orders and revenue from the aggregates, churn bands and segment sizes', async () => {
    await page.goto(`${stack.url}/console/#/overview`);
    await waitFor(async () => (await text('total-ORDERS')) === String(BUYERS.length), 'the orders total');
    const revenue = BUYERS.reduce((a, i) => a + revenueOf(i), 0);
    assert.equal((await text('total-REVENUE')).replace(/,/g, ''), String(revenue));
    for (const [kpi, label] of [['dau', 'Daily'], ['wau', 'Weekly'], ['mau', 'Monthly']]) {
      await waitFor(async () => new RegExp(`${label} active users\\s+${USERS}\\s`).test(await text(`kpi-${kpi}`)) || null, `${kpi} of ${USERS}`);
    }
    // Drill-down: the buyers' revenue split by channel, one series per channel.
    await page.getByLabel('Break down by').selectOption('CHANNEL');
    await page.getByText('app GBP').first().waitFor();
    await check('overview');
  });

  it('profiles: found by email, with identities, tags, segments, timeline and messages', async () => {
    await page.goto(`${stack.url}/console/#/profiles`);
    await page.getByLabel('Identity kind').selectOption('EMAIL');
    await page.getByLabel('Identity value').fill('cu-2@example.com');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('profile-id').waitFor();
    assert.equal(await text('profile-id'), 'cu-2');
    assert.match(await text('identities'), /EMAIL/);
    assert.match(await text('timeline'), /order_completed/);
    assert.match(await page.locator('main').innerText(), /Buyers/);
    await waitFor(async () => /Active · wait/.test(await text('enrollments')) || null, 'the enrollment, waiting');
    await check('profiles');
  });

  it('tags and segments: inline syntax errors, a live preview count and sample, and the version history', async () => {
    await page.goto(`${stack.url}/console/#/rules/segment/buyers`);
    const editor = page.getByTestId('expression');
    await editor.fill('stats.orders >');
    await waitFor(async () => (await text('expression-error')) || null, 'the syntax error');
    assert.match(await text('expression-error'), /BAD_USER_INPUT|INVALID|expected/i);
    await editor.fill('stats.revenue >= 40');
    await waitFor(async () => /matched/.test(await text('preview-count')) || null, 'the preview');
    const expected = BUYERS.filter((i) => revenueOf(i) >= 40).length;
    assert.match(await text('preview-count'), new RegExp(`^${expected} matched`));
    assert.equal((await page.getByTestId('preview-sample').getByRole('link').count()), expected);
    await waitFor(async () => (await text('history')) || null, 'the history');
    await check('rules');
  });

  it('campaigns: created from a template, drawn with counts, edited, validated on the nodes, simulated, activated', async () => {
    await page.goto(`${stack.url}/console/#/campaigns`);
    await page.getByRole('link', { name: 'Review ask' }).waitFor();
    await page.getByTestId('create-cart_abandon_coupon').click();
    await page.getByTestId('flow').waitFor();
    assert.equal(await text('campaign-status'), 'Draft');
    assert.match(await text('problems'), /valid/);
    // A new node is connected to nothing: the validator's problem shows on it.
    await page.getByTestId('node-type').selectOption('EXIT');
    await page.getByTestId('add-node').click();
    await page.getByTestId('node-exit1').waitFor();
    await waitFor(async () => /UNREACHABLE/.test(await page.getByTestId('node-exit1').innerText()) || null, 'the problem on the node');
    assert.equal(await page.getByTestId('activate').isDisabled(), true, 'an invalid journey cannot be activated');
    await page.getByRole('button', { name: 'Delete node' }).click();
    await waitFor(async () => /valid/.test(await text('problems')) || null, 'valid again');
    await page.getByTestId('simulate-user').fill('cu-1');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.getByTestId('simulation').waitFor();
    await page.getByTestId('activate').click();
    await waitFor(async () => (await text('campaign-status')) === 'Active' || null, 'activation');
    // The seeded campaign shows its enrollments on its nodes.
    await page.goto(`${stack.url}/console/#/campaigns`);
    await page.getByRole('link', { name: 'Review ask' }).click();
    await page.getByTestId('flow').waitFor();
    await waitFor(async () => /^[1-9]\d* reached/.test(await text('counts-wait')) || null, 'counts on the wait node');
    await check('campaigns');
  });

  it('experiments: lift with its interval, chance to win, the SRM check and the sequential note', async () => {
    await page.goto(`${stack.url}/console/#/experiments`);
    await page.getByRole('link', { name: 'Console CTA' }).click();
    await page.getByTestId('metric-signup').waitFor();
    assert.match(await text('srm'), /^No sample ratio mismatch/, 'six users in each arm of a 50/50 split');
    assert.match(await text('win-bold'), /%/);
    assert.match(await text('sequential-note'), /Sequential testing is off/);
    await page.getByTestId('engine').selectOption('FREQUENTIST');
    await page.getByTestId('sequential').check();
    await waitFor(async () => /Sequential testing is on/.test(await text('sequential-note')) || null, 'the sequential note');
    await check('experiments');
  });

  it('analytics: a funnel, a retention heat-map, campaign ROI and the RFM grid', async () => {
    await page.goto(`${stack.url}/console/#/analytics`);
    await page.getByTestId('run-funnel').click();
    await page.getByTestId('funnel').waitFor();
    const rows = await page.getByTestId('funnel').locator('tbody tr').allInnerTexts();
    assert.deepEqual(rows.map((r) => r.split('\t').slice(0, 2)), [['product_viewed', String(USERS)], ['product_added_to_cart', String(USERS)], ['order_completed', String(BUYERS.length)]]);
    await page.getByTestId('run-retention').click();
    await waitFor(async () => /Cohort: [1-9]/.test(await text('retention-cohorts')) || null, 'the retention cohorts');
    await waitFor(async () => (await text('rfm-buyers')) === `Users: ${BUYERS.length}` || null, 'the RFM grid');
    await page.getByTestId('roi').waitFor();
    await check('analytics');
  });

  it('settings: a key shown once and revoked, an erasure request with its status, the audit log', async () => {
    await page.goto(`${stack.url}/console/#/settings`);
    await page.getByTestId('key-name').fill('partner-x');
    await page.getByTestId('create-key').click();
    assert.match(await text('new-key'), /^og_[0-9a-f]{40}$/);
    await page.getByRole('button', { name: 'Revoke partner-x' }).click();
    await waitFor(async () => (await text('key-status-partner-x')) === 'Revoked' || null, 'the revocation');
    await page.getByTestId('erase-user').fill('cu-11');
    await page.getByTestId('request-erasure').click();
    await waitFor(async () => /cu-11/.test(await text('erasures')) || null, 'the erasure job');
    await page.getByTestId('audit-subject').fill('segment#buyers');
    await page.getByTestId('audit-search').click();
    await waitFor(async () => (await page.getByTestId('audit').locator('tbody tr').count()) > 0 || null, 'audit entries');
    await check('settings');
  });

  it('zh-CN: every label switches, numbers and dates follow the locale', async () => {
    await page.goto(`${stack.url}/console/#/overview`);
    await page.getByLabel('Language').selectOption('zh-CN');
    await page.getByRole('link', { name: '概览' }).waitFor();
    const nav = await page.getByRole('navigation').getByRole('link').allInnerTexts();
    assert.deepEqual(nav, ['概览', '用户画像', '标签与分群', '营销活动', '实验', '分析', '设置']);
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    await page.goto(`${stack.url}/console/#/profiles/cu-2`);
    await page.getByTestId('timeline').waitFor();
    assert.match(await text('timeline'), /\d{4}年\d{1,2}月\d{1,2}日/);
    await page.goto(`${stack.url}/console/#/campaigns`);
    await page.getByTestId('campaigns').getByText('进行中').first().waitFor(); // statuses too, not only labels
    await check('zh-CN');
    await page.getByLabel('语言').selectOption('en');
  });

  it('a profiles:read key sees only profiles, with personal data masked', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(readerKey);
    assert.deepEqual(await page.getByRole('navigation').getByRole('link').allInnerTexts(), ['Profiles']);
    await page.goto(`${stack.url}/console/#/profiles/cu-2`);
    await page.getByTestId('traits').waitFor();
    assert.doesNotMatch(await text('traits'), /cu-2@example\.com/);
    assert.match(await page.locator('main').innerText(), /Personal data is masked/);
    await page.goto(`${stack.url}/console/#/settings`);
    assert.match(await page.locator('main').innerText(), /do not allow this view/);
    await check('scoped');
  });
});
