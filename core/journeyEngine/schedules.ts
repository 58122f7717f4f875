import { addDuration } from '../journeys/duration.js';
import { matchesTrigger } from '../journeys/enroll.js';
import { forEachLimit } from '../platform/forEachLimit.js';
import { getJob, putJob } from '../store/jobs.js';
import { listMembers, membershipKey } from '../store/memberships.js';
import { enroll, type EngineContext } from './advance.js';
import { profileViews } from './profileView.js';
import { enrollmentsOfUser } from './store/enrollments.js';

const HOUR_MS = 3_600_000;
const EPOCH = '1970-01-01T00:00:00.000Z';
/** Members read per page, and pages per tick: a big segment enrolls over several ticks, so timers are not held up. */
const PAGE = 100;
const PAGES_PER_TICK = 5;

/**
 * The period a SCHEDULE trigger is in at `nowMs`: periods of `every` counted from the epoch (so every container
 * agrees), at least an hour long (a schedule enrolls a whole segment).
 */
export function schedulePeriod(every: string, nowMs: number): string {
  const everyMs = Math.max(HOUR_MS, Date.parse(addDuration(EPOCH, every)));
  return new Date(Math.floor(nowMs / everyMs) * everyMs).toISOString();
}

/**
 * SCHEDULE triggers, run by the timer tick: once per period, every member of the campaign's segment is offered an
 * enrollment (audience and re-entry decide), caused by the period, so a repeated or resumed run enrolls no one
 * twice. Progress is kept in the jobs table after each page; a big segment continues on the next tick.
 *
 * @example
 * const { enrolled } = await runScheduledTriggers(ctx, Date.now());
 */
export async function runScheduledTriggers(ctx: EngineContext, nowMs: number): Promise<{ enrolled: number }> {
  let enrolled = 0;
  let pages = 0;
  for (const campaign of (await ctx.campaigns.byId()).values()) {
    const t = campaign.journey.trigger;
    if (campaign.status !== 'ACTIVE' || t.kind !== 'SCHEDULE') continue;
    const job = `journeys#schedule#${campaign.id}`;
    const period = schedulePeriod(t.every, nowMs);
    const saved = await getJob(ctx.tables.jobs, job, { consistentRead: true });
    if (saved?.period === period && saved.done === true) continue;
    let after = saved?.period === period && typeof saved.after === 'string' ? saved.after : undefined;
    for (;;) {
      if (pages++ >= PAGES_PER_TICK) return { enrolled };
      const page = await listMembers(ctx.tables.memberships, membershipKey.segment(t.segment), PAGE, after);
      const views = await profileViews(ctx.tables.profiles, page.userIds);
      await forEachLimit(page.userIds, 16, async (userId) => {
        const view = views.get(userId)!;
        if (!matchesTrigger(campaign.journey, { kind: 'SCHEDULE' }, view, period)) return;
        const past = await enrollmentsOfUser(ctx.tables.enrollments, userId);
        const r = await enroll(ctx, campaign, view, { causeId: `schedule:${period}`, asOf: period, past });
        if ('enrolled' in r) enrolled++;
      });
      after = page.next ?? undefined;
      await putJob(ctx.tables.jobs, { job, period, ...(after ? { after } : {}), done: !after });
      if (!after) break;
    }
  }
  return { enrolled };
}
