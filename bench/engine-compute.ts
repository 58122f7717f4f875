import { encodeProfile } from '../core/store/profileCodec.js';
import { fromItem, type StoredProfile } from '../core/store/profiles.js';
import { compileRuleSet } from '../core/tagging/evaluateProfile.js';
import { decode } from '../core/tagging/decode.js';
import { prepareGroup } from '../core/tagging/prepare.js';
import type { Group } from '../core/tagging/route.js';
import { STARTER_RULES, STARTER_SEGMENTS } from '../core/rules/starterRules.js';
import { arg, report } from './support.js';
import { BATCH, makeRecords } from './workload.js';

/**
 * Compute-only cost of the tagger (issue 3): decode + validate each record, group by user, fold, evaluate the
 * starter tag rules and segments, in batches of 500, profiles kept in memory, no I/O. `bench/engine.ts` runs
 * this file as an esbuild bundle in its own process (one core), the form Lambda runs.
 *
 * `--codec legacy|compact` adds the storage codec the Lambda also runs: each profile written is encoded into its
 * item (legacy: the JSON `doc` of the layout before; compact: `core/store/profileCodec.ts`) and decoded from it
 * when its user comes back, so the two layouts' CPU can be compared. Without it profiles stay objects.
 */
const events = arg('events', 200_000);
const codecIndex = process.argv.indexOf('--codec');
const codec = codecIndex >= 0 ? process.argv[codecIndex + 1]! : 'none';
if (!['none', 'legacy', 'compact'].includes(codec)) throw new Error(`--codec ${codec}: none, legacy or compact`);
const rules = compileRuleSet(
  STARTER_RULES.map((r) => ({ ...r, enabled: true, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
  STARTER_SEGMENTS.map((s) => ({ ...s, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
);
const records = makeRecords(events, 7);
const stored = new Map<string, StoredProfile>();
const items = new Map<string, Record<string, unknown>>();
let evaluations = 0;
const cpuStarted = process.cpuUsage();
const started = performance.now();
for (let b = 0; b < records.length; b += BATCH) {
  const groups = new Map<string, Group>();
  for (let i = b; i < Math.min(b + BATCH, records.length); i++) {
    const d = decode(records[i]!);
    if (!d) throw new Error('bench record failed to decode');
    const userId = d.event.userId!;
    let g = groups.get(userId);
    if (!g) groups.set(userId, (g = { userId, items: [], merges: [], links: [] }));
    g.items.push(d);
  }
  if (codec !== 'none') {
    // The batch's reads: each returning user's profile decoded from its item.
    stored.clear();
    for (const userId of groups.keys()) {
      const item = items.get(userId);
      if (item) stored.set(userId, fromItem(item));
    }
  }
  for (const g of groups.values()) {
    const prepared = prepareGroup(g, stored, rules);
    if (!prepared) continue;
    evaluations++;
    const version = prepared.expectedVersion + 1;
    if (codec === 'none') stored.set(g.userId, { profile: prepared.profile, version, churn: null });
    else if (codec === 'legacy') items.set(g.userId, { userId: g.userId, version, doc: JSON.stringify(prepared.profile) });
    else {
      const body = encodeProfile(prepared.profile);
      items.set(g.userId, { userId: g.userId, version, [body.attr]: body.value });
    }
  }
}
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
report({
  bench: 'engine_compute_throughput',
  build: process.env.OPSGRAPH_BENCH_BUILD ?? 'tsx (unbundled)',
  codec,
  records: events,
  users_touched: codec === 'none' ? stored.size : items.size,
  rule_evaluations: evaluations,
  tag_rules: rules.rules.length,
  segments: rules.segments.length,
  seconds: Math.round(seconds * 100) / 100,
  records_per_second: Math.round(events / seconds),
  // CPU time, less sensitive than wall time to other load on the machine (what Lambda's duration follows when the
  // function has its CPU to itself).
  cpu_seconds: Math.round(cpuSeconds * 100) / 100,
  cpu_microseconds_per_record: Math.round((cpuSeconds / events) * 1e6 * 10) / 10,
  target_records_per_second: 50_000,
});
