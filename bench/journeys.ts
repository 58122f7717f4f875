import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { StoredEvent } from '../core/events/schema.js';
import type { OutboxItem } from '../core/journeyEngine/store/outbox.js';
import type { ProfileView } from '../core/journeys/conditions.js';
import { enrollmentIdFor, startEnrollment } from '../core/journeys/enroll.js';
import { guardSend, type GuardSettings, type MessageStatus, type SentCounts } from '../core/journeys/guards.js';
import type { Journey, JourneyNode } from '../core/journeys/schema.js';
import { instantiateTemplate, listTemplates } from '../core/journeys/templates.js';
import type { JourneyVersion } from '../core/journeys/types.js';
import { sleep } from '../core/platform/sleep.js';
import { foldEvent } from '../core/profile/fold.js';
import { emptyProfile } from '../core/profile/types.js';
import { STARTER_RULES, STARTER_SEGMENTS } from '../core/rules/starterRules.js';
import { compileRuleSet, evaluateProfile } from '../core/tagging/evaluateProfile.js';
import type { LocalStack } from '../local/localStack.js';
import { countSdkCalls } from './sdkCalls.js';
import { arg, descendantsCpuMs, percentile, report } from './support.js';

/**
 * The journey engine, three figures (one JSON line each):
 *
 * 1. `journeys_enrollments_per_second_compute`: the pure interpreter alone, no storage. `startEnrollment` and
 *    `guardSend` for each of its SEND effects, over `--users` profiles on each of the five starter templates; the
 *    median of `--rounds` rounds after a warm-up round.
 * 2. `journeys_trigger_to_send_ms`: on the local stack, a campaign whose EVENT trigger sends at once; trigger events
 *    at `--rate` per second for `--seconds`, each to its own user, from the time ingest accepted them (its 200) to
 *    the wall-clock `updatedAt` of their outbox message. First `--warmup-seconds` (10) at the same rate through a
 *    campaign of its own, reported apart (`journeys_trigger_warmup`).
 * 3. `journeys_timer_lateness_ms`: on the same stack, a campaign that waits `--wait-seconds` (150) and then sends; `--timers` trigger
 *    events spread evenly over a minute, so the timers fall due evenly over the next one. Lateness is the outbox
 *    `updatedAt` of the send minus the timer's due time (event timestamp + 60 s).
 *
 * The events are sent by a child process (this file, `--load-child`), as clients do, so this process holds only
 * the stack and the CPU it reports is the stack's.
 *
 *   npm run bench:journeys                                         # 20,000 users, 200 events/s for 20 s after a 10 s warm-up, 10,000 timers
 *   npm run bench:journeys -- --rate 50 --seconds 5 --timers 500   # a quick check
 *   npm run bench:journeys -- --skip-stack                         # the compute figure only
 */

const LOAD_CHILD = '--load-child';
const TICK_MS = 50;
/** The timer-lateness load is spread over this long, so the timers fall due over as long. */
const LOAD_MS = 60_000;

/** What the load child is asked to send: `count` events named `event`, spread evenly over `durationMs`. */
interface LoadRequest {
  ingestUrl: string;
  apiKey: string;
  event: string;
  /** Users are `u-<firstUser + i>`. */
  firstUser: number;
  count: number;
  durationMs: number;
  run: string;
}

/** One event as sent: its user, its timestamp (the send wall time) and when ingest accepted it (epoch ms). */
interface SentEvent {
  userId: string;
  timestampMs: number;
  acceptedMs: number;
}

interface LoadReply {
  sent: SentEvent[];
  requests: number;
  failedEvents: number;
  failures: string[];
  elapsedMs: number;
}

/** The child: sends the events of each 50 ms tick as one ingest request, without waiting for earlier requests. */
async function runLoad(q: LoadRequest): Promise<LoadReply> {
  const headers = { 'content-type': 'application/json', 'x-api-key': q.apiKey };
  const sent: SentEvent[] = [];
  const failures: string[] = [];
  const inFlight: Array<Promise<void>> = [];
  let failedEvents = 0;
  let requests = 0;
  let next = 0;
  const started = Date.now();
  for (let tick = 1; next < q.count; tick++) {
    const due = started + tick * TICK_MS;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const nowMs = Date.now();
    const target = Math.min(q.count, Math.floor((q.count * (nowMs - started)) / q.durationMs));
    if (target <= next) continue;
    const timestamp = new Date(nowMs).toISOString();
    const users: string[] = [];
    const events = [];
    for (; next < target; next++) {
      const userId = `u-${q.firstUser + next}`;
      users.push(userId);
      events.push({ type: 'track', event: q.event, userId, timestamp, eventId: `${q.run}-${q.event}-${q.firstUser + next}` });
    }
    requests++;
    inFlight.push(
      (async () => {
        try {
          const res = await fetch(q.ingestUrl, { method: 'POST', headers, body: JSON.stringify({ events }) });
          const acceptedMs = Date.now();
          const body = (await res.json()) as { accepted?: number };
          if (res.status !== 200 || body.accepted !== events.length) throw new Error(`ingest ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
          for (const userId of users) sent.push({ userId, timestampMs: nowMs, acceptedMs });
        } catch (err) {
          failedEvents += events.length;
          if (failures.length < 5) failures.push((err as Error).message);
        }
      })(),
    );
  }
  await Promise.all(inFlight);
  return { sent, requests, failedEvents, failures, elapsedMs: Date.now() - started };
}


/** Rounds to one decimal. */
const r1 = (n: number) => Math.round(n * 10) / 10;

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50_ms: r1(percentile(sorted, 50)), p99_ms: r1(percentile(sorted, 99)), max_ms: r1(sorted.at(-1) ?? NaN), count: sorted.length };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

// ---------------------------------------------------------------------------------------------------------------
// 1. Compute only.

interface BenchUser {
  userId: string;
  view: ProfileView;
  /** Trigger time: spread over the day, so quiet hours hold some marketing sends back (QUEUED). */
  asOf: string;
  causeId: string;
}

/**
 * A profile with a few events folded in (an identify granting marketing consent, 0–4 orders, logins, a cart add) and
 * the starter tag rules and segments evaluated on it, as the tagger would leave it.
 */
function benchUsers(n: number): BenchUser[] {
  const base = Date.UTC(2026, 2, 2);
  const rules = compileRuleSet(
    STARTER_RULES.map((r) => ({ ...r, enabled: true, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
    STARTER_SEGMENTS.map((g) => ({ ...g, version: 1, updatedAt: '2026-01-01T00:00:00.000Z' })),
  );
  const out: BenchUser[] = [];
  for (let i = 0; i < n; i++) {
    const userId = `u-${i}`;
    const asOfMs = base + ((i * 7919) % 86_400) * 1000;
    const at = (ago: number) => new Date(asOfMs - ago).toISOString();
    const profile = emptyProfile(userId);
    const events: StoredEvent[] = [
      { type: 'identify', userId, eventId: `${userId}-id`, timestamp: at(40 * 86_400_000), traits: { consent: { marketing: true }, name: 'Ada' } },
    ];
    for (let o = 0; o < i % 5; o++) {
      events.push({
        type: 'track',
        event: 'order_completed',
        userId,
        eventId: `${userId}-o${o}`,
        timestamp: at((30 - o * 6) * 86_400_000),
        properties: { orderId: `${userId}-o${o}`, revenue: 60 + ((i + o) % 7) * 60 },
      });
    }
    for (let l = 0; l < i % 4; l++) events.push({ type: 'track', event: 'login', userId, eventId: `${userId}-l${l}`, timestamp: at((l + 1) * 86_400_000) });
    events.push({ type: 'track', event: 'product_added_to_cart', userId, eventId: `${userId}-c`, timestamp: at(3_600_000), properties: { productId: 'p-1', price: 25 } });
    for (const e of events) foldEvent(profile, e);
    evaluateProfile(profile, rules, events.at(-1)!.timestamp, events.at(-1)!);
    out.push({ userId, view: { profile }, asOf: new Date(asOfMs).toISOString(), causeId: `${userId}-trigger` });
  }
  return out;
}

const NO_SENDS: SentCounts = { campaignDay: 0, campaignWeek: 0, allDay: 0, allWeek: 0 };
const SETTINGS: GuardSettings = { defaultTimeZone: 'UTC' };

/** One pass of a template over every user; the tally of effects and outcomes keeps the work observable. */
function enrollAll(version: JourneyVersion, users: readonly BenchUser[], tally: Record<string, number>): number {
  const started = performance.now();
  for (const u of users) {
    const r = startEnrollment(version, enrollmentIdFor(version.campaignId, u.userId, u.causeId), u.userId, u.view, u.asOf);
    for (const effect of r.effects) {
      tally[effect.kind] = (tally[effect.kind] ?? 0) + 1;
      if (effect.kind !== 'SEND') continue;
      const outcome = guardSend({ journey: version.journey, enrollment: r.state, send: effect, view: u.view, asOf: u.asOf, counts: NO_SENDS, settings: SETTINGS });
      const k = `send_${outcome.status}${outcome.reason ? `_${outcome.reason}` : ''}`;
      tally[k] = (tally[k] ?? 0) + 1;
    }
  }
  return performance.now() - started;
}

function computeFigure(): void {
  const n = arg('users', 20_000);
  const rounds = arg('rounds', 5);
  const users = benchUsers(n);
  const versions = listTemplates().map((t) => ({ campaignId: `bench-${t.id}`, version: 1, journey: instantiateTemplate(t.id) }));
  // Warm-up: one full round, not reported (V8 compiles the interpreter, the rule compiler caches conditions).
  for (const v of versions) enrollAll(v, users, {});
  const times = new Map<string, number[]>(versions.map((v) => [v.campaignId, []]));
  const tallies = new Map<string, Record<string, number>>();
  const roundTotals: number[] = [];
  const cpuStarted = process.cpuUsage();
  for (let round = 0; round < rounds; round++) {
    let total = 0;
    for (const v of versions) {
      const tally: Record<string, number> = {};
      const ms = enrollAll(v, users, tally);
      times.get(v.campaignId)!.push(ms);
      if (round === 0) tallies.set(v.campaignId, tally);
      total += ms;
    }
    roundTotals.push(total);
  }
  const cpu = process.cpuUsage(cpuStarted);
  const perTemplate: Record<string, unknown> = {};
  for (const v of versions) {
    const ms = median(times.get(v.campaignId)!);
    const tally = tallies.get(v.campaignId)!;
    perTemplate[v.campaignId.slice('bench-'.length)] = {
      enrollments_per_s: Math.round(n / (ms / 1000)),
      median_round_ms: r1(ms),
      us_per_enrollment: Math.round((ms * 1000 * 10) / n) / 10,
      effects_per_enrollment: Object.fromEntries(Object.entries(tally).map(([k, c]) => [k, Math.round((c / n) * 1000) / 1000])),
    };
  }
  const totalMs = median(roundTotals);
  report({
    bench: 'journeys_enrollments_per_second_compute',
    build: 'tsx (unbundled)',
    users: n,
    templates: versions.length,
    rounds,
    enrollments_per_s: Math.round((n * versions.length) / (totalMs / 1000)),
    median_round_ms: r1(totalMs),
    cpu_us_per_enrollment: r1((cpu.user + cpu.system) / (n * versions.length * rounds)),
    per_template: perTemplate,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// 2 and 3. On the local stack.


/** Sends `count` events through the load child and resolves with what it sent (`onStart` runs as it starts). */
function sendLoad(q: LoadRequest, onStart: (childPid: number | undefined) => void): Promise<LoadReply> {
  const child = fork(import.meta.filename, [LOAD_CHILD], { execArgv: ['--import', 'tsx'] });
  return new Promise<LoadReply>((resolve, reject) => {
    child.once('message', (reply: LoadReply) => resolve(reply));
    child.once('exit', (code) => reject(new Error(`load child exited (${code}) before reporting`)));
    child.once('spawn', () => {
      onStart(child.pid);
      child.send(q);
    });
  });
}

/** Cores the stack and its storage keep busy at `perSecond` items a second, from the CPU they spent on `items`. */
function coresNeeded(cpu: { stackMs: number; storageMs: number | null }, items: number, perSecond: number): number {
  return Math.round((((cpu.stackMs + (cpu.storageMs ?? 0)) / items) * perSecond) / 10) / 100;
}

/** CPU of this process (the stack: handlers, gateway, pollers) and of the storage process, from a starting point. */
function cpuMeter(exceptPid: () => number | undefined) {
  const own = process.cpuUsage();
  const storage = descendantsCpuMs(exceptPid());
  return () => {
    const d = process.cpuUsage(own);
    const s = descendantsCpuMs(exceptPid());
    return { stackMs: (d.user + d.system) / 1000, storageMs: s !== null && storage !== null ? s - storage : null };
  };
}

async function main(): Promise<void> {
  computeFigure();
  if (process.argv.includes('--skip-stack')) return;

  process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
  // Loaded after the log level is set: the local runtime's logger is made when its module loads.
  const { startLocalStack } = await import('../local/localStack.js');
  const { countOutbox, listOutbox } = await import('../core/journeyEngine/store/outbox.js');
  const { dueTimers, minuteOf } = await import('../core/journeyEngine/store/timers.js');
  const [{ dynamo }, { kinesis }] = await Promise.all([import('../core/aws/clients.js'), import('../core/aws/kinesis.js')]);

  const dataDir = await mkdtemp(join(tmpdir(), 'opsgraph-bench-journeys-'));
  let stack: LocalStack | undefined;
  try {
    stack = await startLocalStack({ port: 0, dataDir, schedules: ['journeyTimers'], rulesTtlSeconds: 1 });
    const s = stack;
    const outboxTable = process.env.OUTBOX_TABLE!;
    const timersTable = process.env.TIMERS_TABLE!;
    const headers = { 'content-type': 'application/json', 'x-api-key': s.apiKey };
    const run = Date.now().toString(36);

    async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      const res = await fetch(s.graphqlUrl, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const json = (await res.json()) as { data?: T; errors?: unknown };
      if (json.errors || !json.data) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(json.errors)}`);
      return json.data;
    }

    async function activeCampaign(name: string, journey: Journey): Promise<string> {
      const created = await gql<{ createCampaign: { id: string } }>(
        'mutation($name: String!, $j: JSON!) { createCampaign(input: { name: $name, journey: $j }) { id } }',
        { name, j: journey },
      );
      const id = created.createCampaign.id;
      const set = await gql<{ setCampaignStatus: { status: string } }>(`mutation { setCampaignStatus(id: "${id}", status: ACTIVE) { status } }`);
      if (set.setCampaignStatus.status !== 'ACTIVE') throw new Error(`campaign ${id} is ${set.setCampaignStatus.status}`);
      return id;
    }

    /** Every MESSAGE of a campaign, paging through the byCampaign index. */
    async function messagesOf(campaignId: string): Promise<OutboxItem[]> {
      const out: OutboxItem[] = [];
      let after: { userId: string; id: string } | undefined;
      do {
        const page = await listOutbox(outboxTable, { campaignId, kind: 'MESSAGE', first: 1000, ...(after ? { after } : {}) });
        out.push(...page.items);
        after = page.next;
      } while (after);
      return out;
    }

    /**
     * Polls the campaign's message count every `everyMs` until it reaches `expected` or `timeoutMs` passes; resolves
     * with the count.
     */
    async function awaitMessages(campaignId: string, expected: number, timeoutMs: number, everyMs: number): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const c = await countOutbox(outboxTable, campaignId);
        const n = c.sent + c.suppressed + c.queued + c.failed;
        if (n >= expected || Date.now() >= deadline) return n;
        await sleep(everyMs);
      }
    }

    /** A send still missing when the messages were listed was later than this (ms); the least such bound. */
    const lateAtLeast = (missing: readonly SentEvent[], listedAt: number, from: (e: SentEvent) => number) =>
      missing.length ? Math.round(Math.min(...missing.map((e) => listedAt - from(e)))) : null;

    /** Matches sent events to their messages: one per user, none missing, none twice. */
    function match(sent: readonly SentEvent[], items: readonly OutboxItem[]) {
      const byUser = new Map<string, OutboxItem[]>();
      for (const item of items) {
        let list = byUser.get(item.userId);
        if (!list) byUser.set(item.userId, (list = []));
        list.push(item);
      }
      const statuses: Partial<Record<MessageStatus, number>> = {};
      for (const item of items) statuses[item.status] = (statuses[item.status] ?? 0) + 1;
      const found: Array<{ event: SentEvent; item: OutboxItem }> = [];
      const missing: SentEvent[] = [];
      let duplicates = 0;
      for (const event of sent) {
        const list = byUser.get(event.userId);
        if (!list) missing.push(event);
        else {
          found.push({ event, item: list[0]! });
          duplicates += list.length - 1;
        }
      }
      return { found, missing, duplicates, statuses, unmatched: items.length - found.length - duplicates };
    }

    let loadPid: number | undefined;
    const send: JourneyNode = { type: 'SEND', channel: 'outbox', purpose: 'transactional', message: { body: 'hi' }, next: 'end' };

    // --- 2. Trigger to send -------------------------------------------------------------------------------------
    const rate = arg('rate', 200);
    const seconds = arg('seconds', 20);
    const sendAtOnce = (event: string): Journey => ({ trigger: { kind: 'EVENT', event }, start: 'send', nodes: { send, end: { type: 'EXIT' } } });
    const triggerCampaign = await activeCampaign('bench trigger', sendAtOnce('bench_trigger'));
    // A warm-up at the same rate through a campaign of its own, reported apart, as `npm run bench` does: the first
    // seconds of a fresh process run cold code, which is a cold start's figure, not the engine's.
    const warmupSeconds = arg('warmup-seconds', 10);
    const warmupCampaign = warmupSeconds > 0 ? await activeCampaign('bench warm-up', sendAtOnce('bench_warmup')) : undefined;
    await sleep(1500); // the journey functions' campaign cache (RULES_TTL_SECONDS = 1)
    if (warmupCampaign) {
      const warmup = await sendLoad(
        { ingestUrl: s.ingestUrl, apiKey: s.apiKey, event: 'bench_warmup', firstUser: 2_000_000, count: Math.round(rate * warmupSeconds), durationMs: warmupSeconds * 1000, run },
        () => {},
      );
      const loaded = Date.now();
      const sent = await awaitMessages(warmupCampaign, warmup.sent.length, 60_000, 500);
      report({ bench: 'journeys_trigger_warmup', seconds: warmupSeconds, accepted: warmup.sent.length, sent, drain_after_load_ms: Date.now() - loaded });
    }
    const triggerEvents = Math.round(rate * seconds);
    let meter: ReturnType<typeof cpuMeter> | undefined;
    const calls = countSdkCalls([dynamo(), kinesis()]);
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    const trigger = await sendLoad(
      { ingestUrl: s.ingestUrl, apiKey: s.apiKey, event: 'bench_trigger', firstUser: 0, count: triggerEvents, durationMs: seconds * 1000, run },
      (pid) => {
        loadPid = pid;
        meter = cpuMeter(() => loadPid);
        calls.reset();
        loopDelay.enable();
      },
    );
    const loadEnded = Date.now();
    await awaitMessages(triggerCampaign, trigger.sent.length, 30_000, 1000);
    const triggerCpu = meter!();
    const triggerCalls = calls.per(triggerEvents);
    calls.stop();
    loopDelay.disable();
    const triggerListedAt = Date.now();
    const triggerItems = await messagesOf(triggerCampaign);
    const t = match(trigger.sent, triggerItems);
    // Sends still missing after the 30 s are late, or lost: wait up to a minute more (not measured) to tell which,
    // and so that the timer figure does not start on this figure's backlog.
    const drainStarted = Date.now();
    const eventually = t.missing.length ? await awaitMessages(triggerCampaign, trigger.sent.length, 60_000, 1000) : t.found.length;
    const latencies = t.found.map(({ event, item }) => Date.parse(item.updatedAt) - event.acceptedMs);
    // Early and late thirds of the run apart: a latency that grows over the run is a backlog (the engine falls behind).
    const byTime = t.found.map(({ event }, i) => ({ at: event.acceptedMs, ms: latencies[i]! })).sort((a, b) => a.at - b.at);
    const third = Math.floor(byTime.length / 3);
    report({
      bench: 'journeys_trigger_to_send_ms',
      target_rate_per_s: rate,
      seconds,
      events: triggerEvents,
      accepted: trigger.sent.length,
      ingest_failed_events: trigger.failedEvents,
      ...(trigger.failures.length ? { ingest_failures: trigger.failures } : {}),
      achieved_rate_per_s: r1(trigger.sent.length / (trigger.elapsedMs / 1000)),
      ingest_requests: trigger.requests,
      ...summary(latencies),
      missing: t.missing.length,
      missing_late_by_at_least_ms: lateAtLeast(t.missing, triggerListedAt, (e) => e.acceptedMs),
      ...(t.missing.length ? { still_missing_a_minute_later: trigger.sent.length - eventually, extra_drain_ms: Date.now() - drainStarted } : {}),
      duplicates: t.duplicates,
      unmatched_messages: t.unmatched,
      statuses: t.statuses,
      p50_first_third_ms: r1(percentile(byTime.slice(0, third).map((x) => x.ms).sort((a, b) => a - b), 50)),
      p50_last_third_ms: r1(percentile(byTime.slice(-third).map((x) => x.ms).sort((a, b) => a - b), 50)),
      drain_after_load_ms: Math.max(0, Math.max(...t.found.map(({ item }) => Date.parse(item.updatedAt))) - loadEnded),
      event_loop_delay_p99_ms: r1(loopDelay.percentile(99) / 1e6),
      event_loop_delay_max_ms: r1(loopDelay.max / 1e6),
      cpu_ms_per_event: Math.round((triggerCpu.stackMs / triggerEvents) * 100) / 100,
      storage_cpu_ms_per_event: triggerCpu.storageMs !== null ? Math.round((triggerCpu.storageMs / triggerEvents) * 100) / 100 : null,
      journeys_batches: s.mappings.get('journeys')?.invocations,
      // Every AWS call costs CPU in the SDK and in the emulators: the floor under cpu_ms_per_event.
      sdk_calls_per_event: triggerCalls.total,
      sdk_calls_per_event_by_call: triggerCalls.byCall,
      // The floor: the whole stack's CPU (its process and the storage emulators') at this rate, against the cores
      // there are. Past `cores`, the engine falls behind and latency grows with the run, whatever the code's latency is.
      cores_needed_at_rate: coresNeeded(triggerCpu, triggerEvents, trigger.sent.length / (trigger.elapsedMs / 1000)),
      cores: availableParallelism(),
    });

    // --- 3. Timer lateness --------------------------------------------------------------------------------------
    const timers = arg('timers', 10_000);
    // Long enough that every trigger has enrolled (and set its timer) before the first timer falls due: the figure
    // is the timer tick's, not the enrollment backlog's.
    const WAIT_MS = arg('wait-seconds', 150) * 1000;
    const waitCampaign = await activeCampaign('bench wait', {
      trigger: { kind: 'EVENT', event: 'bench_wait' },
      start: 'wait',
      nodes: {
        wait: { type: 'WAIT', duration: `PT${WAIT_MS / 1000}S`, next: 'ping' },
        ping: send,
        end: { type: 'EXIT' },
      },
    });
    await sleep(1500);
    let ingestMeter: ReturnType<typeof cpuMeter> | undefined;
    const timerLoop = monitorEventLoopDelay({ resolution: 10 });
    const waitLoad = await sendLoad(
      { ingestUrl: s.ingestUrl, apiKey: s.apiKey, event: 'bench_wait', firstUser: 1_000_000, count: timers, durationMs: LOAD_MS, run },
      (pid) => {
        loadPid = pid;
        ingestMeter = cpuMeter(() => loadPid);
      },
    );
    const ingestCpu = ingestMeter!();
    const fireMeter = cpuMeter(() => loadPid);
    timerLoop.enable();
    const lastDue = Math.max(...waitLoad.sent.map((e) => e.timestampMs)) + WAIT_MS;
    // Half way through the firing minute: what one tick's read of the current minute partition costs (the due part
    // of it: ids start with the due time).
    let partitionProbe: { items: number; ms: number } | null = null;
    const probeAt = Math.min(...waitLoad.sent.map((e) => e.timestampMs)) + WAIT_MS + LOAD_MS / 2;
    if (probeAt > Date.now()) {
      await sleep(probeAt - Date.now());
      const started = performance.now();
      const items = await dueTimers(timersTable, minuteOf(Date.now()), Date.now());
      partitionProbe = { items: items.length, ms: r1(performance.now() - started) };
    }
    if (lastDue + 1000 > Date.now()) await sleep(lastDue + 1000 - Date.now());
    await awaitMessages(waitCampaign, waitLoad.sent.length, 30_000, 2000);
    const fireCpu = fireMeter();
    timerLoop.disable();
    const waitListedAt = Date.now();
    const waitItems = await messagesOf(waitCampaign);
    const w = match(waitLoad.sent, waitItems);
    const lateness = w.found.map(({ event, item }) => Date.parse(item.updatedAt) - (event.timestampMs + WAIT_MS));
    const fired = w.found.map(({ item }) => Date.parse(item.updatedAt)).sort((a, b) => a - b);
    const perSecond = new Map<number, number>();
    for (const at of fired) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    const firstDue = Math.min(...waitLoad.sent.map((e) => e.timestampMs)) + WAIT_MS;
    const fireSpanS = fired.length > 1 ? (fired.at(-1)! - fired[0]!) / 1000 : NaN;
    const lateByDue = w.found.map(({ event }, i) => ({ due: event.timestampMs, ms: lateness[i]! })).sort((a, b) => a.due - b.due);
    const tthird = Math.floor(lateByDue.length / 3);
    report({
      bench: 'journeys_timer_lateness_ms',
      timers,
      accepted: waitLoad.sent.length,
      ingest_failed_events: waitLoad.failedEvents,
      ...(waitLoad.failures.length ? { ingest_failures: waitLoad.failures } : {}),
      wait_seconds: WAIT_MS / 1000,
      due_rate_per_s: r1(waitLoad.sent.length / ((lastDue - firstDue) / 1000)),
      // Trigger sends of figure 2 still not made when this figure started (its backlog, if the stack fell behind).
      backlog_from_trigger_figure: trigger.sent.length - eventually,
      ...summary(lateness),
      missing: w.missing.length,
      missing_late_by_at_least_ms: lateAtLeast(w.missing, waitListedAt, (e) => e.timestampMs + WAIT_MS),
      duplicates: w.duplicates,
      unmatched_messages: w.unmatched,
      statuses: w.statuses,
      p50_first_third_ms: r1(percentile(lateByDue.slice(0, tthird).map((x) => x.ms).sort((a, b) => a - b), 50)),
      p50_last_third_ms: r1(percentile(lateByDue.slice(-tthird).map((x) => x.ms).sort((a, b) => a - b), 50)),
      // Throughput of the timer tick as measured from the sends it made: overall, and the busiest wall-clock second.
      fired_per_s: r1(fired.length / fireSpanS),
      fired_peak_per_s: Math.max(0, ...perSecond.values()),
      fire_span_s: r1(fireSpanS),
      due_span_s: r1((lastDue - firstDue) / 1000),
      tick_partition_read: partitionProbe,
      event_loop_delay_p99_ms: r1(timerLoop.percentile(99) / 1e6),
      event_loop_delay_max_ms: r1(timerLoop.max / 1e6),
      // CPU of the stack while the events came in (ingest, tagger, journeys enrolling and setting timers, ticks),
      // and while the timers fired (ticks, mostly), per timer.
      ingest_phase_cpu_ms_per_timer: Math.round((ingestCpu.stackMs / timers) * 100) / 100,
      ingest_phase_storage_cpu_ms_per_timer: ingestCpu.storageMs !== null ? Math.round((ingestCpu.storageMs / timers) * 100) / 100 : null,
      fire_phase_cpu_ms_per_timer: Math.round((fireCpu.stackMs / timers) * 100) / 100,
      fire_phase_storage_cpu_ms_per_timer: fireCpu.storageMs !== null ? Math.round((fireCpu.storageMs / timers) * 100) / 100 : null,
      cores_needed_at_rate: coresNeeded(fireCpu, timers, waitLoad.sent.length / ((lastDue - firstDue) / 1000)),
      cores: availableParallelism(),
    });
  } finally {
    await stack?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes(LOAD_CHILD)) {
  process.once('message', (q: LoadRequest) => {
    void runLoad(q).then((reply) => process.send!(reply, () => process.disconnect()));
  });
} else {
  await main();
}
