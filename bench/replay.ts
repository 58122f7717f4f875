/**
 * Replays the whole UCI Online Retail year (Chen, Sain & Guo 2012, doi:10.24432/C5BW33, CC BY 4.0) through
 * `POST /v1/events` of a fresh embedded stack, waits for the tagger to catch up, then checks the profiles against
 * figures computed independently from the CSV.
 *
 *   npm run bench:replay -- [--csv PATH] [--concurrency 4] [--sample N|all] [--guest-sample N] [--keep]
 *
 * Prints one JSON line per figure: `replay_online_retail` (end to end: ingest, Kinesis, tagger, DynamoDB) beside
 * its ingest-only rate, then `replay_verify` (the profiles) and `replay_analytics_verify` (the year's daily and
 * monthly metrics through GraphQL against the CSV: #13's exactness on the whole file).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { dynamo } from '../core/aws/clients.js';
import { profileEngineTables } from '../core/tagging/tables.js';
import { startLocalStack } from '../local/localStack.js';
import { meterCapacity } from './capacity.js';
import { DEFAULT_CSV, runReplay } from '../tools/replay/index.js';
import { compareWithGraphql, computeExpected, distinctWithin, expectedMetrics, metricPointsOf, profileItemSizes, sampleIds, type MetricGranularity } from '../tools/replay/verify.js';

const { values } = parseArgs({
  options: {
    csv: { type: 'string' },
    concurrency: { type: 'string' },
    sample: { type: 'string' },
    'guest-sample': { type: 'string' },
    keep: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench:replay -- [--csv PATH] [--concurrency 4] [--sample N|all] [--guest-sample N] [--keep] [--quiet]\n' +
      'Replays the whole Online Retail file through a fresh embedded stack, then verifies the profiles and the metrics.\n',
  );
  process.exit(0);
}
const csvPath = resolve(values.csv ?? DEFAULT_CSV);
const concurrency = Number(values.concurrency ?? 4);
const SEED = 20111209;

const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-replay-'));
const stack = await startLocalStack({ port: 0, dataDir });
const profilesTable = profileEngineTables().profiles;
// Request units as AWS would bill them (bench/capacity.ts), for every writer of the profiles table in the stack.
const meter = meterCapacity(dynamo(), { [profilesTable]: ['userId'] });
try {
  const { summary, plan } = await runReplay({
    csvPath,
    url: stack.url,
    apiKey: stack.apiKey,
    concurrency,
    progress: !values.quiet,
    waitTimeoutMs: 30 * 60_000,
  });
  const tagger = stack.mappings.get('tagger');
  const deadLetters = (await stack.deadLetters.get('tagger')?.list()) ?? [];
  console.log(
    JSON.stringify({
      bench: 'replay_online_retail',
      events: summary.sent,
      seconds: summary.seconds,
      events_per_second: summary.events_per_second,
      ingest_seconds: summary.send_seconds,
      ingest_events_per_second: summary.ingest_events_per_second,
      accepted: summary.accepted,
      rejected: summary.rejected,
      retries: summary.retries,
      tagger_invocations: tagger?.invocations ?? null,
      dead_letters: deadLetters.length,
      concurrency,
      cpus: cpus().length,
      node: process.version,
      plan: summary.plan,
    }),
  );

  const units = meter.tables.get(profilesTable);
  meter.stop();
  const sizes = meter.writtenSizes.get(profilesTable) ?? [];
  console.log(
    JSON.stringify({
      bench: 'replay_profile_write_units',
      events: summary.sent,
      profile_writes: units?.writes ?? 0,
      profile_write_units: units?.writeUnits ?? 0,
      profile_wru_per_event: Math.round(((units?.writeUnits ?? 0) / summary.sent) * 1000) / 1000,
      profile_writes_per_event: Math.round(((units?.writes ?? 0) / summary.sent) * 1000) / 1000,
      mean_item_bytes_written: Math.round(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)),
      by_kind: Object.fromEntries(
        [...(meter.writesByKind.get(profilesTable) ?? [])].map(([kind, k]) => [
          kind,
          { writes_per_event: Math.round((k.writes / summary.sent) * 1000) / 1000, wru_per_event: Math.round((k.writeUnits / summary.sent) * 1000) / 1000 },
        ]),
      ),
      note: 'every writer of the profiles table in the stack (tagger, churn scorer, sweeper); UpdateItem billed by the larger of the item before and after',
    }),
  );
  console.log(JSON.stringify({ bench: 'replay_profile_item_bytes', ...(await profileItemSizes(profilesTable)) }));

  const expected = await computeExpected(csvPath);
  const customerIds = values.sample === undefined || values.sample === 'all' ? plan.customers : sampleIds(plan.customers, Number(values.sample), SEED);
  const guestIds = sampleIds(plan.guests.map((g) => `anon:${g}`), Number(values['guest-sample'] ?? 100), SEED);
  const customers = await compareWithGraphql({ graphqlUrl: stack.graphqlUrl, apiKey: stack.apiKey, expected: expected.customers, ids: customerIds });
  const guests = await compareWithGraphql({ graphqlUrl: stack.graphqlUrl, apiKey: stack.apiKey, expected: expected.guests, ids: guestIds });
  const mismatches = [...customers.mismatches, ...guests.mismatches];
  console.log(
    JSON.stringify({
      bench: 'replay_verify',
      sampled: customers.sampled + guests.sampled,
      customers: customers.sampled,
      guests: guests.sampled,
      mismatches: mismatches.length,
      profiles_with_mismatches: new Set(mismatches.map((m) => m.id)).size,
      examples: mismatches.slice(0, 5),
    }),
  );

  // The analytics of the whole year against the same CSV computation: ORDERS, REVENUE (pence) and REFUNDS by day
  // and month exactly, BUYERS and ACTIVE_USERS within 2%. The aggregator lags the tagger on a sparse history (each
  // lone event touches a dozen buckets), so the figures are read until they agree or the wait runs out.
  const want = expectedMetrics(expected, new Set([...plan.customers, ...plan.guests.map((g) => `anon:${g}`)]), plan.customers);
  const waitStarted = performance.now();
  const read = async () => {
    const exact = Object.fromEntries(await Promise.all(Object.keys(want.exact).map(async (key) => [key, await metricPointsOf(stack, ...(key.split('/') as [string, MetricGranularity]))] as const)));
    const distinct = Object.fromEntries(
      await Promise.all(
        (['BUYERS', 'ACTIVE_USERS'] as const).flatMap((m) => (['DAY', 'MONTH'] as const).map(async (g) => [`${m}/${g}`, { got: await metricPointsOf(stack, m, g), want: want.distinct[m][g] }] as const)),
      ),
    );
    // Caught up once the exact figures agree: the sketches are read in the same pass, so they are as current.
    const caughtUp = Object.entries(exact).every(([k, got]) => JSON.stringify(got) === JSON.stringify(want.exact[k]));
    return { exact, distinct, caughtUp, agree: caughtUp && Object.values(distinct).every((d) => distinctWithin(d.got, d.want)) };
  };
  let got = await read();
  while (!got.caughtUp && performance.now() - waitStarted < 15 * 60_000) {
    await new Promise((r) => setTimeout(r, 5_000));
    got = await read();
  }
  const exactMismatches = Object.entries(got.exact).flatMap(([key, points]) =>
    [...new Set([...Object.keys(points), ...Object.keys(want.exact[key]!)])].filter((b) => points[b] !== want.exact[key]![b]).map((b) => ({ key, bucket: b, expected: want.exact[key]![b] ?? 0, actual: points[b] ?? 0 })),
  );
  console.log(
    JSON.stringify({
      bench: 'replay_analytics_verify',
      agree: got.agree,
      waited_seconds: Math.round((performance.now() - waitStarted) / 1000),
      exact_buckets: Object.values(want.exact).reduce((n, m) => n + Object.keys(m).length, 0),
      exact_mismatches: exactMismatches.length,
      examples: exactMismatches.slice(0, 5),
      distinct: Object.fromEntries(
        Object.entries(got.distinct).map(([key, d]) => {
          const errors = [...d.want].map(([b, ids]) => Math.abs((d.got[b] ?? 0) - ids.size) / ids.size);
          const off = [...new Set([...Object.keys(d.got), ...d.want.keys()])]
            .map((b) => ({ bucket: b, expected: d.want.get(b)?.size ?? 0, actual: d.got[b] ?? 0 }))
            .filter((x) => Math.abs(x.actual - x.expected) > Math.max(1, 0.02 * x.expected));
          const stats = { max_error_pct: +(100 * Math.max(...errors)).toFixed(2), mean_error_pct: +((100 * errors.reduce((a, b) => a + b, 0)) / errors.length).toFixed(3) };
          return [key, { buckets: d.want.size, within: distinctWithin(d.got, d.want), ...stats, outside: off.length, examples: off.slice(0, 5) }];
        }),
      ),
    }),
  );
  process.exitCode = mismatches.length === 0 && deadLetters.length === 0 && summary.rejected === 0 && got.agree ? 0 : 1;
} finally {
  await stack.close();
  if (values.keep) console.error(`data kept in ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}
