import { updateBandit, type BanditState } from '../experiments/bandit.js';
import { fnv1a32 } from '../experiments/hash.js';
import { banditNodes } from '../journeys/assign.js';
import type { EngineContext } from './advance.js';
import { splitUnits } from './campaignExperiment.js';
import { getBandits, saveBandits } from './store/bandits.js';
import { splitOutcomes } from './store/outbox.js';

/** Least time between two looks at one campaign's outcomes (its arms' exposures may still be under 100). */
const CHECK_EVERY_MS = 10_000;
const checkedAt = new Map<string, number>();

/**
 * Reweights the THOMPSON RANDOM nodes of every active campaign by top-two Thompson sampling on goal conversion
 * (core/experiments/bandit.ts: 1% floor per arm, at most every 15 minutes, only once every arm has 100 exposures).
 * Runs on the timers' tick, which never overlaps itself; the journey functions read the stored weights through
 * their campaign cache, and a split picks its branch by the user's hash against them, so a step is deterministic
 * given the weights it read (and saved with its state).
 *
 * Returns how many nodes were reweighted.
 *
 * @example
 * await updateBandits(ctx, Date.now());
 */
export async function updateBandits(ctx: EngineContext, nowMs: number): Promise<number> {
  let updated = 0;
  for (const campaign of (await ctx.campaigns.byId()).values()) {
    if (campaign.status !== 'ACTIVE') continue;
    const nodes = banditNodes(campaign.journey);
    if (nodes.length === 0) continue;
    // The local tick runs every second: a campaign's outcomes are read at most every CHECK_EVERY_MS per process.
    if (nowMs - (checkedAt.get(campaign.id) ?? -Infinity) < CHECK_EVERY_MS) continue;
    checkedAt.set(campaign.id, nowMs);
    const stored = await getBandits(ctx.tables.jobs, campaign.id);
    const due = nodes.filter((n) => {
      const s = stored.nodes[n];
      return !s || s.updatedAt === null || nowMs - s.updatedAt >= 15 * 60_000;
    });
    if (due.length === 0) continue;
    const outcomes = await splitOutcomes(ctx.tables.outbox, campaign.id);
    const next: Record<string, BanditState> = { ...stored.nodes };
    let changed = false;
    for (const node of due) {
      const split = splitUnits(campaign.journey, node, outcomes)!;
      const previous = stored.nodes[node];
      // A state of another arm count (the journey was edited) starts again from the node's own split.
      const start: BanditState =
        previous && previous.weights.length === split.weights.length
          ? previous
          : { weights: split.weights, updatedAt: null, seed: 0, updates: 0, bestArmProbabilities: null };
      const r = updateBandit(start, split.units.map((u) => ({ users: u.users, sum: u.converted })), nowMs, {
        metric: 'BINOMIAL',
        seed: fnv1a32(`${campaign.id}:${node}`),
      });
      if (r.updated) {
        next[node] = r.state;
        changed = true;
      }
    }
    if (changed && (await saveBandits(ctx.tables.jobs, campaign.id, stored, next))) updated += due.length;
  }
  return updated;
}
