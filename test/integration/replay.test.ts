import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  DEFAULT_CSV,
  planReplay,
  progressProbesOf,
  readCheckpoint,
  runReplay,
  sampleProgress,
  sendPlan,
  type Checkpoint,
  type ReplayPlan,
} from '../../tools/replay/index.js';
import {
  compareWithGraphql,
  computeExpected,
  distinctWithin,
  expectedMetrics,
  metricPointsOf,
  sampleIds,
  type ExpectedProfiles,
  type MetricGranularity,
} from '../../tools/replay/verify.js';
import { FolderArchiveFiles } from '../../core/analyticsEngine/archiveFiles.js';
import { readArchiveOrders } from '../../tools/data/archiveOrders.js';
import { gql, useTestStack, waitFor } from '../support/stack.js';

// UCI Online Retail (Chen, Sain & Guo 2012, doi:10.24432/C5BW33), CC BY 4.0.
const SLICE = { start: 0, end: 150 };
const GUESTS = 5;

let expected: ExpectedProfiles;
let plan: ReplayPlan;
let checkpointPath: string;
/** The expected profiles and the plan, computed while the stack starts. */
let inputs: Promise<[ExpectedProfiles, ReplayPlan]>;

const stack = useTestStack({
  beforeStart() {
    inputs = Promise.all([computeExpected(DEFAULT_CSV), planReplay({ csvPath: DEFAULT_CSV, slice: SLICE, guests: GUESTS })]);
    inputs.catch(() => {}); // awaited in afterStart; not an unhandled rejection meanwhile
  },
  async afterStart(started) {
    [expected, plan] = await inputs;
    checkpointPath = join(started.dataDir, 'replay.checkpoint.json');
  },
});

describe('Online Retail replay through POST /v1/events', () => {
  it('plans the first customers by id, their identify, orders and refunds, and a few guests', () => {
    assert.deepEqual(plan.customers, expected.customerIds.slice(SLICE.start, SLICE.end));
    assert.equal(plan.guests.length, GUESTS);
    const ids = new Set(plan.customers);
    let orders = 0;
    let refunds = 0;
    for (const id of ids) {
      orders += expected.customers.get(id)!.orders;
      refunds += expected.customers.get(id)!.refunds;
    }
    for (const g of plan.guests) {
      orders += expected.guests.get(`anon:${g}`)!.orders;
      refunds += expected.guests.get(`anon:${g}`)!.refunds;
    }
    assert.equal(plan.stats.identifies, ids.size);
    assert.equal(plan.stats.orders, orders);
    assert.equal(plan.stats.refunds, refunds);
    assert.equal(plan.events.length, ids.size + orders + refunds);
    // Event-time order, which the replay promises.
    const times = plan.events.map((e) => Date.parse((JSON.parse(e) as { timestamp: string }).timestamp));
    assert.ok(times.every((t, i) => i === 0 || times[i - 1]! <= t), 'events are sorted by time');
  });

  it('stops after an interruption with a checkpoint, and a rerun resumes from it', async () => {
    const controller = new AbortController();
    const first = await sendPlan(plan, {
      url: stack.url,
      apiKey: stack.apiKey,
      concurrency: 1,
      checkpointPath,
      progress: false,
      signal: controller.signal,
      onBatch: () => controller.abort(), // Ctrl-C right after the first acknowledged batch
    });
    assert.equal(first.interrupted, true);
    assert.ok(first.position > 0 && first.position < plan.events.length, `stopped part-way (at ${first.position})`);
    assert.equal(first.sent, first.position);
    const saved = await readCheckpoint(checkpointPath, plan.fingerprint);
    assert.equal(saved?.sent, first.position);
    assert.equal(await readCheckpoint(checkpointPath, 'another-plan'), null, 'a checkpoint only applies to its own plan');

    // Rewind the checkpoint by a few events, as a crash between sending and saving would: the resumed run sends
    // them again, and their event ids must make the second copy a no-op.
    const rewound = Math.max(0, first.position - 10);
    const checkpoint = JSON.parse(await readFile(checkpointPath, 'utf8')) as Checkpoint;
    await writeFile(checkpointPath, JSON.stringify({ ...checkpoint, sent: rewound }));

    const { summary } = await runReplay({
      csvPath: DEFAULT_CSV,
      slice: SLICE,
      guests: GUESTS,
      url: stack.url,
      apiKey: stack.apiKey,
      checkpointPath,
      progress: false,
      waitTimeoutMs: 40_000,
    });
    assert.equal(summary.resumedFrom, rewound);
    assert.equal(summary.sent, plan.events.length - rewound);
    assert.equal(summary.accepted, summary.sent);
    assert.equal(summary.rejected, 0);
    assert.equal(summary.caught_up, true);
    assert.equal((await readCheckpoint(checkpointPath, plan.fingerprint))?.sent, plan.events.length);
    assert.deepEqual(await stack.deadLetters.get('tagger')!.list(), []);
    // Caught up, the sampled profiles show every planned order and refund (the catch-up bar's estimate is 100%).
    assert.equal(await sampleProgress(progressProbesOf(plan, 40), { graphqlUrl: stack.graphqlUrl, apiKey: stack.apiKey }), 1);
  });

  it('samples distinct profiles across the plan for the catch-up progress, each with its planned orders and refunds', async () => {
    const probes = progressProbesOf(plan, 40);
    assert.ok(probes.length > 20 && probes.length <= 40, `${probes.length} probes`);
    assert.equal(new Set(probes.map((p) => p.profileId)).size, probes.length);
    for (const p of probes) {
      const planned = plan.profileIds.filter((id, i) => id === p.profileId && !plan.eventIds[i]!.startsWith('identify-')).length;
      assert.equal(p.planned, planned);
    }
    // Profiles nobody has sent anything to show nothing applied.
    const nobody = [{ profileId: 'no-such-user', planned: 3 }];
    assert.equal(await sampleProgress(nobody, { graphqlUrl: stack.graphqlUrl, apiKey: stack.apiKey }), 0);
  });

  it('gives sampled customers the stats computed independently from the CSV', async () => {
    const ids = sampleIds(plan.customers, 50, 20111209);
    const { sampled, mismatches } = await compareWithGraphql({ graphqlUrl: stack.graphqlUrl, apiKey: stack.apiKey, expected: expected.customers, ids });
    assert.equal(sampled, 50);
    assert.deepEqual(mismatches, []);
    // The sample includes customers with refunds, so both folds are exercised.
    assert.ok(ids.some((id) => expected.customers.get(id)!.refunds > 0), 'a sampled customer has refunds');
    // …and the windowed figures are not all zero: some bought in the last 30 days, some only earlier.
    const sampledStats = ids.map((id) => expected.customers.get(id)!);
    assert.ok(sampledStats.some((c) => c.last30d > 0) && sampledStats.some((c) => c.last90d === 0 && c.frequency > 0));
  });

  it('gives daily and monthly ORDERS, REVENUE and REFUNDS equal to the CSV to the penny, BUYERS and ACTIVE_USERS within 2%', async () => {
    // The profiles of the slice, and their invoices counted straight from the CSV (tools/replay/verify.ts).
    const profiles = new Set([...plan.customers, ...plan.guests.map((g) => `anon:${g}`)]);
    const { exact: want, distinct: byGranularity } = expectedMetrics(expected, profiles, plan.customers);
    const distinct = { BUYERS: byGranularity.BUYERS.MONTH, ACTIVE_USERS: byGranularity.ACTIVE_USERS.MONTH };
    const series = (metric: string, g: MetricGranularity) => metricPointsOf(stack, metric, g);

    // The aggregator catches up in a few seconds (a sparse history touches many buckets per event); exact figures
    // are polled until they match, then compared.
    for (const key of Object.keys(want)) {
      const [metric, g] = key.split('/') as [string, MetricGranularity];
      let got: Record<string, number> = {};
      await waitFor(async () => {
        got = await series(metric, g);
        return JSON.stringify(got) === JSON.stringify(want[key]);
      }, key, 60_000).catch(() => undefined);
      assert.deepEqual(got, want[key], key);
    }
    for (const [metric, byMonth] of Object.entries(distinct)) {
      const close = (got: Record<string, number>) => distinctWithin(got, byMonth);
      let got: Record<string, number> = {};
      await waitFor(async () => close((got = await series(metric, 'MONTH'))), metric, 60_000).catch(() => undefined);
      assert.ok(close(got), `${metric}: ${JSON.stringify(got)} vs ${JSON.stringify(Object.fromEntries([...byMonth].map(([m, ids]) => [m, ids.size])))}`);
    }
  });

  it('archives every replayed invoice: the orders the churn tools read back from the archive equal the CSV', async () => {
    const customers = new Set(plan.customers);
    const summary = (rows: Array<{ id: string; pence: number; refund: boolean }>) => {
      const m = new Map<string, string>();
      const by = new Map<string, { orders: number; refunds: number; pence: number }>();
      for (const r of rows) {
        const c = by.get(r.id) ?? { orders: 0, refunds: 0, pence: 0 };
        if (r.refund) c.refunds++;
        else c.orders++;
        c.pence += r.refund ? -r.pence : r.pence;
        by.set(r.id, c);
      }
      for (const [id, c] of [...by].sort(([a], [b]) => a.localeCompare(b))) m.set(id, JSON.stringify(c));
      return [...m];
    };
    const want = summary(expected.invoices.filter((i) => customers.has(i.profileId)).map((i) => ({ id: i.profileId, pence: i.pence, refund: i.refund })));
    const files = new FolderArchiveFiles(join(stack.dataDir, 'archive'));
    let got: Array<[string, string]> = [];
    await waitFor(async () => {
      const { orders } = await readArchiveOrders(files);
      got = summary(orders.map((o) => ({ id: o.userId, pence: Math.round(o.amount * 100), refund: o.refund })));
      return JSON.stringify(got) === JSON.stringify(want);
    }, 'the archived invoices', 60_000).catch(() => undefined);
    assert.deepEqual(got, want);
  });

  it('keeps the identify country and leaves customers outside the slice alone', async () => {
    const id = plan.customers[0]!;
    const r = await gql(stack, `query($id: ID!, $out: ID!) { user(id: $id) { traits identities { kind value } } out: user(id: $out) { id } }`, {
      id,
      out: expected.customerIds[SLICE.end]!,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const identify = JSON.parse(plan.events[plan.eventIds.indexOf(`identify-${id}`)]!) as { traits: { country: string } };
    assert.equal(r.json.data.user.traits.country, identify.traits.country);
    assert.deepEqual(r.json.data.user.identities, [{ kind: 'USER_ID', value: id }]);
    assert.equal(r.json.data.out, null);
  });

  it('puts a guest invoice on an anonymous profile', async () => {
    const profileId = `anon:${plan.guests[0]!}`;
    const r = await gql(
      stack,
      `query($id: ID!) { user(id: $id) { id identities { kind value } events(first: 5) { edges { node { eventId event properties } } } } }`,
      { id: profileId },
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const user = r.json.data.user;
    assert.equal(user.id, profileId);
    assert.ok(user.id.startsWith('anon:'));
    assert.deepEqual(user.identities, [{ kind: 'ANONYMOUS_ID', value: plan.guests[0] }]);
    const invoiceNo = plan.guests[0]!.slice('guest-'.length);
    const [edge] = user.events.edges;
    assert.equal(edge.node.eventId, `invoice-${invoiceNo}`);
    assert.equal(edge.node.properties.orderId, invoiceNo);
    const { mismatches } = await compareWithGraphql({
      graphqlUrl: stack.graphqlUrl,
      apiKey: stack.apiKey,
      expected: expected.guests,
      ids: plan.guests.map((g) => `anon:${g}`),
    });
    assert.deepEqual(mismatches, []);
  });
});

describe('replay client retries', () => {
  it('resends on 5xx and 429, resends only STREAM_UNAVAILABLE items, and reports other rejections', async () => {
    const events = [0, 1, 2, 3].map((i) =>
      JSON.stringify({ type: 'track', event: 'login', eventId: `e${i}`, userId: `u${i}`, timestamp: '2011-01-01T00:00:00Z' }),
    );
    const small: ReplayPlan = {
      events,
      profileIds: ['u0', 'u1', 'u2', 'u3'],
      eventIds: ['e0', 'e1', 'e2', 'e3'],
      customers: [],
      guests: [],
      stats: plan.stats,
      fingerprint: 'retry-test',
    };
    const received: string[][] = [];
    const answers: Array<(ids: string[]) => [number, Record<string, string>, unknown]> = [
      () => [503, {}, { message: 'unavailable' }],
      () => [429, { 'retry-after': '0' }, { accepted: 0, rejected: [{ index: -1, code: 'RATE_LIMITED', message: 'slow down' }] }],
      () => [200, {}, { accepted: 2, rejected: [
        { index: 1, code: 'STREAM_UNAVAILABLE', message: 'resend' },
        { index: 3, code: 'INVALID_EVENT', message: 'bad' },
      ] }],
      (ids) => [200, {}, { accepted: ids.length, rejected: [] }],
    ];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const ids = (JSON.parse(body) as { events: Array<{ eventId: string }> }).events.map((e) => e.eventId);
        received.push(ids);
        assert.equal(req.headers['x-api-key'], 'k');
        const [status, headers, json] = answers[Math.min(received.length, answers.length) - 1]!(ids);
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(json));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const result = await sendPlan(small, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, apiKey: 'k', progress: false });
      assert.deepEqual(received, [['e0', 'e1', 'e2', 'e3'], ['e0', 'e1', 'e2', 'e3'], ['e0', 'e1', 'e2', 'e3'], ['e1']]);
      assert.equal(result.accepted, 3);
      assert.deepEqual(result.rejected, [{ eventId: 'e3', code: 'INVALID_EVENT', message: 'bad' }]);
      assert.equal(result.retries, 3);
      assert.equal(result.position, 4);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
