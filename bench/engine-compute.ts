import type { StoredProfile } from '../core/store/profiles.js';
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
 */
const events = arg('events', 200_000);
const rules = compileRuleSet(
  STARTER_RULES.map((r) => ({ ...r, enabled: true, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
  STARTER_SEGMENTS.map((s) => ({ ...s, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
);
const records = makeRecords(events, 7);
const stored = new Map<string, StoredProfile>();
let evaluations = 0;
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
  for (const g of groups.values()) {
    const prepared = prepareGroup(g, stored, rules);
    if (!prepared) continue;
    evaluations++;
    stored.set(g.userId, { profile: prepared.profile, version: prepared.expectedVersion + 1, churn: null });
  }
}
const seconds = (performance.now() - started) / 1000;
report({
  bench: 'engine_compute_throughput',
  build: process.env.OPSGRAPH_BENCH_BUILD ?? 'tsx (unbundled)',
  records: events,
  users_touched: stored.size,
  rule_evaluations: evaluations,
  tag_rules: rules.rules.length,
  segments: rules.segments.length,
  seconds: Math.round(seconds * 100) / 100,
  records_per_second: Math.round(events / seconds),
  target_records_per_second: 50_000,
});
