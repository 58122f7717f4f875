import type { KinesisStreamRecord } from 'aws-lambda';
import type { Experiment } from '../experiments/definition.js';
import { foldUnit, isExposure } from '../experiments/units.js';
import { decodeAll } from '../tagging/decode.js';
import { refusedConsent } from '../store/consent.js';
import { route } from '../tagging/route.js';
import type { ExperimentCache } from './experimentCache.js';
import { getUnits, putUnit, unitKey, type StoredUnit } from './store/units.js';
import { forEachLimit } from '../platform/forEachLimit.js';

export interface ExperimentBatchResult {
  /** Sequence numbers of records that failed (poison, or a unit write that lost a race). */
  failed: string[];
  /** Units written (new exposures and metric updates). */
  updated: number;
}

/** Unit writes in flight at once. */
const WRITE_CONCURRENCY = 16;

/**
 * The experiments function's use case on the `events` stream: routes each event to its canonical profile (the
 * tagger's identity rules, read-only), then folds each user's events into their unit of every experiment the
 * events touch: an `experiment_viewed` exposes, a metric event counts if the user is exposed
 * (core/experiments/units.ts). One read of all touched units, then one conditional write per changed unit; a
 * lost race fails that user's records, and Lambda redelivers them (the fold skips event ids it has counted).
 *
 * @example
 * const { failed } = await processExperimentEvents({ units: tables.experimentUnits, identities, cache }, records);
 */
export async function processExperimentEvents(
  ctx: { units: string; identities: string; consent: string; cache: ExperimentCache },
  records: readonly KinesisStreamRecord[],
): Promise<ExperimentBatchResult> {
  const { decoded, failed } = decodeAll(records);
  const result: ExperimentBatchResult = { failed, updated: 0 };
  const tracks = decoded.filter((d) => d.event.type === 'track');
  if (tracks.length === 0) return result;
  // Experiments this batch exposes to, read again when the cache does not know them as running yet.
  const viewedIds = new Set(tracks.flatMap((d) => (d.event.event === 'experiment_viewed' && typeof d.event.properties?.experimentId === 'string' ? [d.event.properties.experimentId] : [])));
  const experiments = await ctx.cache.live(viewedIds);
  const metricEvents = new Set(experiments.flatMap((e) => [...e.metrics, ...e.guardrails].map((m) => m.event)));
  const relevant = tracks.filter((d) => d.event.event === 'experiment_viewed' || metricEvents.has(d.event.event!));
  if (relevant.length === 0) return result;
  const routed = await route(relevant, ctx.identities);
  // Whoever refused analytics gets no unit: an experiment's units are user-level analytics state.
  const refused = await refusedConsent(ctx.consent, routed.map((g) => g.userId), 'analytics');
  const groups = routed.filter((g) => !refused.has(g.userId));

  // A user's exposure to `e` can only exist if some batch exposed them: metric events read the unit, and find none
  // for users never exposed. Pairs to read: every (experiment, user) the user's events could touch.
  const pairs: Array<{ e: Experiment; userId: string; group: (typeof groups)[number] }> = [];
  for (const group of groups) {
    for (const e of experiments) {
      const touches = group.items.some(({ event }) => isExposure(event, e) || [...e.metrics, ...e.guardrails].some((m) => m.event === event.event));
      if (touches) pairs.push({ e, userId: group.userId, group });
    }
  }
  const stored = await getUnits(ctx.units, pairs.map((p) => ({ experimentId: p.e.id, userId: p.userId })));
  const failedUsers = new Set<string>();
  await forEachLimit(pairs, WRITE_CONCURRENCY, async ({ e, userId, group }) => {
    const before = stored.get(unitKey(e.id, userId)) ?? null;
    const next = foldUnit(e, before, group.items.map((i) => i.event));
    if (!next) return;
    const unit: StoredUnit = { ...next, experimentId: e.id, userId, rev: (before?.rev ?? 0) + 1 };
    if (await putUnit(ctx.units, unit)) result.updated++;
    else failedUsers.add(userId);
  });
  for (const group of groups) {
    if (failedUsers.has(group.userId)) for (const item of group.items) result.failed.push(item.record.kinesis.sequenceNumber);
  }
  return result;
}
