import { banditNodes } from '../../../core/journeys/assign.js';
import { splitExperiment, splitNodes, splitUnits } from '../../../core/journeyEngine/campaignExperiment.js';
import { getBandits } from '../../../core/journeyEngine/store/bandits.js';
import { countEnrollments } from '../../../core/journeyEngine/store/enrollments.js';
import { bucketRanges } from '../../../core/analytics/buckets.js';
import { campaignPerformance } from '../../../core/journeyEngine/performance.js';
import { countOutbox, performanceItems, splitOutcomes } from '../../../core/journeyEngine/store/outbox.js';
import { analyticsRead, badInput } from '../../context.js';
import type { BanditAllocationResolvers, CampaignPerformancePointResolvers, CampaignResolvers } from '../types.generated.js';

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
  performance: async (c, args, ctx) => {
    if (args.costPerSend !== null && args.costPerSend !== undefined && !(args.costPerSend >= 0)) throw badInput('costPerSend must be 0 or more', 'costPerSend');
    const buckets = await analyticsRead(async () => bucketRanges(Date.parse(args.from), Date.parse(args.to), args.granularity ?? 'DAY', args.timeZone ?? 'UTC'));
    const [items, outcomes] = await Promise.all([performanceItems(ctx.tables.outbox, c.id), splitOutcomes(ctx.tables.outbox, c.id)]);
    const holdoutNode = splitNodes(c.journey).find((id) => c.journey.nodes[id]!.type === 'HOLDOUT');
    const holdout = holdoutNode ? splitExperiment(c.journey, holdoutNode, outcomes, 'FREQUENTIST') : null;
    const lift = holdout?.metrics[0]?.analysis?.variants[1]?.lift;
    return { ...campaignPerformance(items, buckets, args.costPerSend ?? undefined), holdout, holdoutUplift: typeof lift === 'number' ? lift : null };
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
      nodes: [...e.nodes].map(([node, n]) => ({ node, ...n })).sort((a, b) => a.node.localeCompare(b.node)),
    };
  },
};

export const CampaignPerformancePoint: CampaignPerformancePointResolvers = {
  start: (p) => new Date(p.start).toISOString(),
};

export const BanditAllocation: BanditAllocationResolvers = {
  updatedAt: (s) => (s.updatedAt === null ? null : new Date(s.updatedAt).toISOString()),
};
