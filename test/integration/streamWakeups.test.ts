import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kinesis } from '../../core/aws/clients.js';
import { FUNCTIONS, type FunctionDefinition } from '../../core/platform/definitions.js';
import { getProfiles } from '../../core/store/profiles.js';
import { putsTo, sleepUntilPut } from '../../local/streamWakeups.js';
import { postJson, track, useTestStack, waitFor } from '../support/stack.js';

// A fallback poll far longer than any wait below: what arrives in time was pushed by a wake, not found by a poll.
const IDLE_POLL_MS = 60_000;
const stack = useTestStack({ idlePollMs: IDLE_POLL_MS });

/** The longest batching window of any mapping of the local stack. */
function longestLocalWindowMs(): number {
  const windows = Object.values(FUNCTIONS as Record<string, FunctionDefinition>).map((f) =>
    f.source ? (f.source.localMaxBatchingWindowSeconds ?? f.source.maxBatchingWindowSeconds) : 0,
  );
  return Math.max(...windows) * 1000;
}

/** Counts the GetRecords calls made on the shared client while `during` runs. */
async function getRecordsDuring(during: () => Promise<void>): Promise<number> {
  let calls = 0;
  const name = `count-get-records-${Math.random()}`;
  kinesis().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetRecordsCommand') calls++;
      return next(args);
    },
    { step: 'initialize', name },
  );
  try {
    await during();
  } finally {
    kinesis().middlewareStack.remove(name);
  }
  return calls;
}

describe('local event source mappings are woken by puts', () => {
  it('delivers an ingested event at once although the idle poll is a minute, and polls nothing while idle', async () => {
    const res = await postJson(stack.ingestUrl, { events: [track('wake-u1', 'page_viewed', new Date().toISOString())] }, stack.apiKey);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    const started = Date.now();
    await waitFor(async () => (await getProfiles(process.env.PROFILES_TABLE!, ['wake-u1'])).get('wake-u1'), 'the tagger folded the event', 20_000);
    assert.ok(Date.now() - started < IDLE_POLL_MS / 2, 'delivered by a wake, not by the fallback poll');

    // Once every mapping has drained its shards (the tagger's changes included) and its batching window has
    // closed on what it held, nobody reads until the next put.
    await waitFor(async () => [...stack.mappings.values()].every((m) => m.idle), 'the mappings to go idle');
    await new Promise((r) => setTimeout(r, longestLocalWindowMs() + 500));
    const idleReads = await getRecordsDuring(() => new Promise((r) => setTimeout(r, 1500)));
    assert.equal(idleReads, 0);
  });

  it('does not let a poller sleep through a put that returned while it was reading', async () => {
    const stream = process.env.EVENTS_STREAM!;
    const shards = ['shardId-000000000000', 'shardId-000000000001'];
    const seen = shards.map((id) => putsTo(stream, id));
    const res = await postJson(stack.ingestUrl, { events: [track('wake-u2', 'page_viewed', new Date().toISOString())] }, stack.apiKey);
    assert.equal(res.status, 200);
    // The put named the shard it stored on: that shard's sleeper returns at once, the other one waits.
    const woken = shards.filter((id, i) => putsTo(stream, id) !== seen[i]);
    assert.equal(woken.length, 1);
    const started = Date.now();
    await sleepUntilPut(stream, woken[0]!, IDLE_POLL_MS, seen[shards.indexOf(woken[0]!)]!);
    assert.ok(Date.now() - started < 1000);
    const other = shards.find((id) => id !== woken[0])!;
    const stop = new AbortController();
    const waiting = sleepUntilPut(stream, other, IDLE_POLL_MS, putsTo(stream, other), stop.signal);
    const raced = await Promise.race([waiting.then(() => 'woken'), new Promise((r) => setTimeout(() => r('still asleep'), 300))]);
    assert.equal(raced, 'still asleep');
    stop.abort(); // as EventSourceMapping.stop() does
    await waiting;
  });
});
