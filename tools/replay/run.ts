/**
 * Replay, the whole job: plan, send, and wait for the tagger, returning one summary.
 */
import { planReplay, type PlanStats, type ReplayPlan, type ReplayPlanOptions } from './plan.js';
import { ProgressBar } from './progress.js';
import { sendPlan, type SendOptions, type SendResult } from './send.js';
import { progressProbesOf, sentinelsOf, waitForSentinels } from './wait.js';

export interface ReplayOptions extends ReplayPlanOptions, SendOptions {
  /** Wait for the tagger to catch up after sending. Default true. */
  wait?: boolean;
  waitTimeoutMs?: number;
  /** Receives the plan before anything is sent (for logging). */
  onPlan?: (plan: ReplayPlan) => void;
}

/** What a replay prints: one JSON object. */
export interface ReplaySummary {
  replay: 'online_retail';
  /** Events in the plan. */
  events: number;
  resumedFrom: number;
  sent: number;
  accepted: number;
  rejected: number;
  rejectedExamples: SendResult['rejected'];
  retries: number;
  interrupted: boolean;
  /** Seconds spent sending. */
  send_seconds: number;
  /** Seconds from the first request until the tagger had caught up (or until sending ended, without waiting). */
  seconds: number;
  /** Events of this run per second over `seconds`: ingest, stream and tagger end to end. */
  events_per_second: number;
  ingest_events_per_second: number;
  caught_up: boolean;
  plan: PlanStats & { fingerprint: string };
}

/**
 * Plans, sends and (by default) waits for the tagger, returning the summary and the plan.
 *
 * @example
 * ```ts
 * const { summary } = await runReplay({ csvPath: DEFAULT_CSV, url: stack.url, apiKey: stack.apiKey, slice: { start: 0, end: 150 } });
 * ```
 */
export async function runReplay(options: ReplayOptions): Promise<{ summary: ReplaySummary; plan: ReplayPlan }> {
  const plan = await planReplay(options);
  options.onPlan?.(plan);
  const started = Date.now();
  const sent = await sendPlan(plan, options);
  let caughtUp = false;
  if (options.wait !== false && !sent.interrupted && sent.position === plan.events.length) {
    const sentinels = sentinelsOf(plan);
    const total = plan.events.length;
    // The sentinels all arrive at the very end, so the bar follows a sample of profiles instead (an estimate of the
    // events applied), held below the total until the sentinels confirm it. Created at the first sample, so its
    // rate is the tagger's catch-up rate.
    let bar: ProgressBar | null = null;
    let pending = sentinels.length;
    let estimate = 0;
    const draw = () => {
      if (options.progress === false) return;
      const shown = Math.min(estimate, total - Math.min(pending, total));
      bar ??= new ProgressBar(total, 'tagger applied (est.)', process.stderr, shown);
      bar.update(shown);
    };
    await waitForSentinels(sentinels, {
      graphqlUrl: new URL('/graphql', options.url).href,
      apiKey: options.apiKey,
      timeoutMs: options.waitTimeoutMs,
      signal: options.signal,
      probes: options.progress === false ? undefined : progressProbesOf(plan),
      onProgress: (applied) => {
        estimate = Math.round(applied * total);
        draw();
      },
      onPoll: (arrived, of) => {
        pending = of - arrived;
        if (bar) draw();
      },
    });
    if (options.progress !== false) {
      bar ??= new ProgressBar(total, 'tagger applied (est.)', process.stderr, total);
      bar.done(total, 'caught up');
    }
    caughtUp = true;
  }
  const seconds = (Date.now() - started) / 1000;
  const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;
  const summary: ReplaySummary = {
    replay: 'online_retail',
    events: plan.events.length,
    resumedFrom: sent.resumedFrom,
    sent: sent.sent,
    accepted: sent.accepted,
    rejected: sent.rejected.length,
    rejectedExamples: sent.rejected.slice(0, 5),
    retries: sent.retries,
    interrupted: sent.interrupted,
    send_seconds: round(sent.seconds),
    seconds: round(caughtUp ? seconds : sent.seconds),
    events_per_second: round(sent.sent / Math.max(1e-3, caughtUp ? seconds : sent.seconds), 1),
    ingest_events_per_second: round(sent.sent / Math.max(1e-3, sent.seconds), 1),
    caught_up: caughtUp,
    plan: { ...plan.stats, fingerprint: plan.fingerprint },
  };
  return { summary, plan };
}
