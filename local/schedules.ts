import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import { localLog } from './log.js';

/** The event EventBridge sends for a scheduled rule, at `time`. */
export function scheduledEvent(name: string, time: Date, id: string = randomUUID()): ScheduledEvent {
  return {
    version: '0',
    id,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString(),
    region: process.env.AWS_REGION ?? 'us-east-1',
    resources: [`arn:aws:events:local:000000000000:rule/${name}`],
    detail: {},
  };
}

/**
 * Plays an EventBridge rate schedule: one event per period, at the period's start time, with an id fixed by the
 * period, so a run cut short (the process stopped) resumes from its checkpoints when the same period's event comes
 * again. The current period's event fires at start too: EventBridge would have sent it while the stack was down,
 * and a run that had finished finds its checkpoints done and does nothing. A run still going when the next period
 * starts is not overlapped. Returns a function that stops the schedule.
 *
 * @example
 * const stop = schedule('sweeper', 3_600_000, handler);
 */
export function schedule(name: string, periodMs: number, handler: (e: ScheduledEvent) => Promise<unknown>): () => Promise<void> {
  let running: Promise<void> | null = null;
  const fire = () => {
    if (running) return;
    const start = new Date(Math.floor(Date.now() / periodMs) * periodMs);
    running = handler(scheduledEvent(name, start, `${name}-${start.toISOString()}`))
      .then(
        () => undefined,
        (err: unknown) => localLog.error('scheduled invocation failed', { function: name, error: err }),
      )
      .finally(() => (running = null));
  };
  const timers: NodeJS.Timeout[] = [setTimeout(fire, 0)];
  // Then at each period boundary.
  timers.push(
    setTimeout(() => {
      fire();
      timers.push(setInterval(fire, periodMs));
    }, periodMs - (Date.now() % periodMs)),
  );
  // Stopping waits for a run in progress, so the storage it uses is not closed under it.
  return async () => {
    timers.forEach((t) => clearTimeout(t));
    await running;
  };
}

