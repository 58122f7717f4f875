import type { ScheduledEvent } from 'aws-lambda';
import { updateBandits } from '../../core/journeyEngine/bandits.js';
import { engineContext } from '../../core/journeyEngine/context.js';
import { fireDueTimers, type TimerTickResult } from '../../core/journeyEngine/fireTimers.js';
import { runScheduledTriggers } from '../../core/journeyEngine/schedules.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.journeyTimers);
const ctx = engineContext(o.logger);

/**
 * Each tick: fires the journey timers that are due, runs SCHEDULE triggers whose period has come, and reweights the
 * bandits that are due. Metrics, for a tick that did anything: `TimersFired`, `TimersFailed`, `TimerLateness` (max
 * ms), `ScheduledEnrollments`, `BanditsUpdated`.
 */
async function journeyTimersHandler(_event: ScheduledEvent, { logger, measures }: Invocation): Promise<TimerTickResult & { scheduled: number }> {
  const r = await fireDueTimers(ctx);
  const { enrolled } = await runScheduledTriggers(ctx, ctx.now());
  const bandits = await updateBandits(ctx, ctx.now());
  if (bandits) {
    measures.count('BanditsUpdated', bandits);
    logger.info('bandits reweighted', { nodes: bandits });
  }
  if (r.fired || r.failed) {
    measures.count('TimersFired', r.fired).count('TimersFailed', r.failed).milliseconds('TimerLateness', Math.max(0, ...r.latenessMs));
    logger.info('timers fired', { fired: r.fired, failed: r.failed });
  }
  if (enrolled) {
    measures.count('ScheduledEnrollments', enrolled);
    logger.info('scheduled triggers enrolled', { enrolled });
  }
  return { ...r, scheduled: enrolled };
}

export const handler = instrument(FUNCTIONS.journeyTimers, journeyTimersHandler, o);
