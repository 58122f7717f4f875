/**
 * Replay, step 4: waiting for the tagger. The replay is caught up when every sentinel event (the last event of
 * each profile in the final batch) shows on its profile through GraphQL; meanwhile a sample of profiles shows how
 * far the tagger has got.
 */
import { batchesOf } from './send.js';
import type { ReplayPlan } from './plan.js';
import { sleep } from '../../core/platform/sleep.js';
// One query asks for as many profiles as the gateway allows aliases.
import { MAX_ALIASES } from '../../gateway/limits.js';

/** One profile and the event whose arrival on it shows that its shard has caught up. */
export interface Sentinel {
  profileId: string;
  eventId: string;
}

/**
 * The distinct profiles of the plan's final batch (the last `count` of them), each with its last event. The final
 * batch is sent alone, after every earlier one was acknowledged, so on each stream shard the last record belongs
 * to the latest of these profiles that hashes there; when every sentinel event shows on its profile, every shard
 * holding one has been processed to the end. The full replay's final batch has about 300 distinct profiles, so a
 * shard holding none of them is a 2·2^-300 chance with the two local shards (about 1e-7 even with 16 shards).
 *
 * @example
 * ```ts
 * sentinelsOf(plan); // [{ profileId: '12680', eventId: 'invoice-581587' }, …]
 * ```
 */
export function sentinelsOf(plan: Pick<ReplayPlan, 'events' | 'profileIds' | 'eventIds'>, count = Infinity): Sentinel[] {
  const batches = batchesOf(plan.events, 0);
  const last = batches[batches.length - 1];
  if (!last) return [];
  const out: Sentinel[] = [];
  const seen = new Set<string>();
  for (let i = last.end - 1; i >= last.start && out.length < count; i--) {
    const profileId = plan.profileIds[i]!;
    if (seen.has(profileId)) continue;
    seen.add(profileId);
    out.push({ profileId, eventId: plan.eventIds[i]! });
  }
  return out;
}

export interface WaitOptions {
  graphqlUrl: string;
  apiKey: string;
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  /** Called after each poll with how many sentinels have arrived. */
  onPoll?: (arrived: number, of: number) => void;
  /** Profiles sampled for progress while waiting (see {@link progressProbesOf}); none when absent. */
  probes?: ProgressProbe[];
  /** Least time between two samples of the probes. Default 1000 ms. */
  progressEveryMs?: number;
  /** Called after each sample with the share (0…1) of the probes' planned events the tagger has applied. */
  onProgress?: (applied: number) => void;
}

/** A profile whose order and refund counts show how far the tagger has got, with what they reach at the end. */
export interface ProgressProbe {
  profileId: string;
  /** The plan's `order_completed` and `order_refunded` events on this profile. */
  planned: number;
}

/**
 * Up to `count` distinct profiles to sample while the tagger catches up, picked at evenly spaced events of the plan
 * (so a pick is as likely early in the year as late), each with how many order and refund events the plan sends
 * it. Their applied share estimates the share of the whole plan the tagger has applied.
 *
 * @example
 * ```ts
 * progressProbesOf(plan, 200); // [{ profileId: '12346', planned: 2 }, …]
 * ```
 */
export function progressProbesOf(plan: Pick<ReplayPlan, 'profileIds' | 'eventIds'>, count = 200): ProgressProbe[] {
  const planned = new Map<string, number>();
  plan.profileIds.forEach((id, i) => {
    if (!plan.eventIds[i]!.startsWith('identify-')) planned.set(id, (planned.get(id) ?? 0) + 1);
  });
  const out: ProgressProbe[] = [];
  const seen = new Set<string>();
  const n = plan.profileIds.length;
  const step = Math.max(1, n / Math.max(1, count));
  for (let at = 0; at < n && out.length < count; at += step) {
    const profileId = plan.profileIds[Math.floor(at)]!;
    if (seen.has(profileId) || !planned.get(profileId)) continue;
    seen.add(profileId);
    out.push({ profileId, planned: planned.get(profileId)! });
  }
  return out;
}

/**
 * The share (0…1) of the probes' planned events their profiles show, through `User.stats` (lifetime orders and
 * refunds); a profile counts at most its planned events, so data from before the replay cannot run ahead.
 */
export async function sampleProgress(probes: ProgressProbe[], options: Pick<WaitOptions, 'graphqlUrl' | 'apiKey'>): Promise<number> {
  let applied = 0;
  let planned = 0;
  for (let start = 0; start < probes.length; start += MAX_ALIASES) {
    const chunk = probes.slice(start, start + MAX_ALIASES);
    const fields = chunk.map((_, i) => `p${i}: user(id: $id${i}) { stats { orders refunds } }`);
    const query = `query(${chunk.map((_, i) => `$id${i}: ID!`).join(', ')}) { ${fields.join(' ')} }`;
    const variables = Object.fromEntries(chunk.map((p, i) => [`id${i}`, p.profileId]));
    const data = await graphql<Record<string, { stats: { orders: number; refunds: number } } | null>>(options.graphqlUrl, options.apiKey, query, variables);
    chunk.forEach((p, i) => {
      const stats = data[`p${i}`]?.stats;
      applied += Math.min(p.planned, stats ? stats.orders + stats.refunds : 0);
      planned += p.planned;
    });
  }
  return planned > 0 ? applied / planned : 1;
}

/** A GraphQL POST; throws on transport errors and on `errors` in the answer. */
export async function graphql<T>(url: string, apiKey: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: Array<{ message: string }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`GraphQL answered ${res.status}: ${text.slice(0, 300)}`);
  }
  if (body.errors?.length) throw new Error(`GraphQL error: ${body.errors.map((e) => e.message).join('; ')}`);
  if (!body.data) throw new Error(`GraphQL answered ${res.status} without data`);
  return body.data;
}

/**
 * Polls GraphQL until every sentinel event shows among its profile's latest events, which means the tagger has
 * processed each stream shard up to the end of the replay. Returns the seconds waited; throws at the deadline.
 * With `probes`, it also samples them (at most every `progressEveryMs`) and reports the applied share through
 * `onProgress`; a failed sample is skipped, since progress is only a display.
 *
 * @example
 * ```ts
 * await waitForSentinels(sentinelsOf(plan), { graphqlUrl: 'http://127.0.0.1:4000/graphql', apiKey });
 * ```
 */
export async function waitForSentinels(sentinels: Sentinel[], options: WaitOptions): Promise<number> {
  const startedAt = Date.now();
  const deadline = startedAt + (options.timeoutMs ?? 600_000);
  let pending = [...sentinels];
  let sampledAt = -Infinity;
  while (pending.length > 0) {
    if (options.signal?.aborted) throw new Error('interrupted while waiting for the tagger');
    if (options.probes?.length && options.onProgress && Date.now() - sampledAt >= (options.progressEveryMs ?? 1000)) {
      sampledAt = Date.now();
      try {
        options.onProgress(await sampleProgress(options.probes, options));
      } catch {
        // The next sample may succeed; the sentinels alone decide when the wait ends.
      }
    }
    // Up to 50 profiles a request keeps each query well inside the gateway's cost limit.
    const still: Sentinel[] = [];
    for (let start = 0; start < pending.length; start += MAX_ALIASES) {
      const chunk = pending.slice(start, start + MAX_ALIASES);
      const fields = chunk.map((_, i) => `s${i}: user(id: $id${i}) { events(first: 10) { edges { node { eventId } } } }`);
      const query = `query(${chunk.map((_, i) => `$id${i}: ID!`).join(', ')}) { ${fields.join(' ')} }`;
      const variables = Object.fromEntries(chunk.map((s, i) => [`id${i}`, s.profileId]));
      let data: Record<string, { events: { edges: Array<{ node: { eventId: string } }> } } | null> | null = null;
      try {
        data = await graphql(options.graphqlUrl, options.apiKey, query, variables);
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      const d = data;
      still.push(...chunk.filter((s, i) => !d?.[`s${i}`]?.events.edges.some((e) => e.node.eventId === s.eventId)));
    }
    pending = still;
    options.onPoll?.(sentinels.length - pending.length, sentinels.length);
    if (pending.length === 0) break;
    if (Date.now() > deadline) {
      throw new Error(`the tagger did not catch up within ${options.timeoutMs ?? 600_000} ms: still waiting for ${pending.map((s) => `${s.eventId} on ${s.profileId}`).slice(0, 5).join(', ')}`);
    }
    await sleep(options.pollMs ?? 200);
  }
  return (Date.now() - startedAt) / 1000;
}
