import { banditNodes } from '../../../core/journeys/assign.js';
import { splitExperiment, splitNodes, splitUnits } from '../../../core/journeyEngine/campaignExperiment.js';
import { getBandits } from '../../../core/journeyEngine/store/bandits.js';
import { countEnrollments } from '../../../core/journeyEngine/store/enrollments.js';
import { countOutbox, splitOutcomes } from '../../../core/journeyEngine/store/outbox.js';
import { badInput } from '../../context.js';
import type { BanditAllocationResolvers, CampaignResolvers } from '../types.generated.js';

export const Campaign: CampaignResolvers = {
  segmentId: (c) => {
    const t = c.journey.trigger;
    return t.kind === 'SEGMENT_ENTERED' || t.kind === 'SEGMENT_EXITED' || t.kind === 'SCHEDULE' ? t.segment : null;
  },
  channel: (c) => {
    for (const node of Object.values(c.journey.nodes)) if (node.type === 'SEND') return node.channel;
    return null;
  },
  experiment: async (c, args, ctx) => {
    const node = args.node ?? splitNodes(c.journey)[0];
    if (!node) return null;
    if (!Object.hasOwn(c.journey.nodes, node)) throw badInput(`the journey has no node ${node}`, 'node');
    const x = splitExperiment(c.journey, node, await splitOutcomes(ctx.tables.outbox, c.id), args.engine ?? 'BAYESIAN');
    if (!x || !banditNodes(c.journey).includes(node)) return x;
    const state = (await getBandits(ctx.tables.jobs, c.id)).nodes[node];
    const weights = splitUnits(c.journey, node, [])!.weights;
    return { ...x, allocation: state && state.weights.length === weights.length ? state : { weights, updatedAt: null, seed: 0, updates: 0, bestArmProbabilities: null } };
  },
  stats: async (c, _, ctx) => {
    const [e, o] = await Promise.all([countEnrollments(ctx.tables.enrollments, c.id), countOutbox(ctx.tables.outbox, c.id)]);
    return {
      entered: e.entered,
      active: e.active,
      completed: e.completed,
      exited: e.exited,
      sent: o.sent,
      suppressed: o.suppressed,
      queued: o.queued,
      converted: e.converted,
      conversionRate: e.entered ? e.converted / e.entered : 0,
      revenue: o.revenue,
    };
  },
};

export const BanditAllocation: BanditAllocationResolvers = {
  updatedAt: (s) => (s.updatedAt === null ? null : new Date(s.updatedAt).toISOString()),
};
