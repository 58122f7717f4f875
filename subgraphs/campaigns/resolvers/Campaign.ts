import { splitExperiment, splitNodes } from '../../../core/journeyEngine/campaignExperiment.js';
import { countEnrollments } from '../../../core/journeyEngine/store/enrollments.js';
import { countOutbox, splitOutcomes } from '../../../core/journeyEngine/store/outbox.js';
import { badInput } from '../../context.js';
import type { CampaignResolvers } from '../types.generated.js';

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
    return splitExperiment(c.journey, node, await splitOutcomes(ctx.tables.outbox, c.id), args.engine ?? 'BAYESIAN');
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
