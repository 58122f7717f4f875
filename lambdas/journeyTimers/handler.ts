import type { ScheduledEvent } from 'aws-lambda';
import { engineContext } from '../../core/journeyEngine/context.js';
import { fireDueTimers, type TimerTickResult } from '../../core/journeyEngine/fireTimers.js';
import { FUNCTIONS } from '../../core/platform/definitions.js';
import { instrument, observability, type Invocation } from '../../core/platform/observability.js';

const o = observability(FUNCTIONS.journeyTimers);
const ctx = engineContext(o.logger);

/** Each tick: fires the journey timers that are due. Metrics, for a tick that fired any: `TimersFired`, `TimerLateness` (max ms). */
async function journeyTimersHandler(_event: ScheduledEvent, { logger, measures }: Invocation): Promise<TimerTickResult> {
  const r = await fireDueTimers(ctx);
  if (r.fired || r.failed) {
    measures.count('TimersFired', r.fired).count('TimersFailed', r.failed).milliseconds('TimerLateness', Math.max(0, ...r.latenessMs));
    logger.info('timers fired', { fired: r.fired, failed: r.failed });
  }
  return r;
}

export const handler = instrument(FUNCTIONS.journeyTimers, journeyTimersHandler, o);
