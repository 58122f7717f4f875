import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CreateStreamCommand, DescribeStreamSummaryCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { kinesis } from '../../core/aws/kinesis.js';
import { FUNCTIONS, type FunctionDefinition, type StreamSourceSettings } from '../../core/platform/definitions.js';
import { sleep } from '../../core/platform/sleep.js';
import { DeadLetterStore } from '../../local/deadLetters.js';
import { EventSourceMapping } from '../../local/eventSourceMapping.js';
import { SHARED_READS_PER_SECOND } from '../../local/shardReadBudget.js';
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

/** A one-shard stream of this test's own, and mappings on it that count what they are handed. */
async function ownStream(name: string): Promise<(fanOut: StreamSourceSettings['fanOut'], idlePollMs: number) => { mapping: EventSourceMapping; delivered: number[] }> {
  await kinesis().send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  while ((await kinesis().send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') await sleep(20);
  const dir = await mkdtemp(join(tmpdir(), 'fan-out-'));
  let n = 0;
  return (fanOut, idlePollMs) => {
    const delivered: number[] = [];
    const functionName = `reader${n++}`;
    const settings: StreamSourceSettings = {
      stream: 'events',
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 0,
      bisectBatchOnError: false,
      maxRecordAgeSeconds: 60,
      startingPosition: 'TRIM_HORIZON',
      fanOut,
    };
    const mapping = new EventSourceMapping({
      functionName,
      streamName: name,
      settings,
      idlePollMs,
      checkpointDir: dir,
      deadLetters: new DeadLetterStore(dir, functionName),
      handler: async (event) => void delivered.push(...event.Records.map(() => Date.now())),
    });
    return { mapping, delivered };
  };
}

describe('shared throughput and enhanced fan-out, as declared', () => {
  it('holds every shared reader of a shard to 5 reads a second together', async () => {
    const reader = await ownStream('fan-out-budget');
    // Three shared readers that would each poll a hundred times a second on their own.
    const readers = [reader('SHARED', 10), reader('SHARED', 10), reader('SHARED', 10)];
    await Promise.all(readers.map((r) => r.mapping.start()));
    try {
      await sleep(500); // past the iterators and first reads
      const seconds = 3;
      // Only these readers read now: the stack's own shared mappings poll once a minute here, and the enhanced
      // ones sleep until a put (the first test).
      const reads = await getRecordsDuring(() => sleep(seconds * 1000));
      assert.ok(reads <= SHARED_READS_PER_SECOND * seconds + 1, `${reads} reads in ${seconds} s`);
      assert.ok(reads >= (SHARED_READS_PER_SECOND - 1) * seconds, `${reads} reads in ${seconds} s: the budget is used`);
    } finally {
      await Promise.all(readers.map((r) => r.mapping.stop()));
    }
  });

  it('pushes a put to an enhanced reader at once, and leaves a shared reader to its poll', async () => {
    const reader = await ownStream('fan-out-push');
    const enhanced = reader('ENHANCED', IDLE_POLL_MS);
    const shared = reader('SHARED', 2000);
    await Promise.all([enhanced.mapping.start(), shared.mapping.start()]);
    try {
      // A first record each reader is handed on its first read: from then on both sleep, the shared one for 2 s.
      const putOne = () => kinesis().send(new PutRecordCommand({ StreamName: 'fan-out-push', PartitionKey: 'k', Data: Buffer.from('{}') }));
      await putOne();
      await waitFor(async () => enhanced.delivered.length === 1 && shared.delivered.length === 1, 'both readers to read the first record', 5000);
      const put = Date.now();
      await putOne();
      await waitFor(async () => enhanced.delivered.length === 2, 'the enhanced reader to be handed the record', 5000);
      assert.ok(enhanced.delivered[1]! - put < 1000, 'pushed');
      assert.equal(shared.delivered.length, 1, 'a put does not wake a shared reader');
      await waitFor(async () => shared.delivered.length === 2, 'the shared reader to poll the record', 5000);
      assert.ok(shared.delivered[1]! - put >= 1000, `polled ${shared.delivered[1]! - put} ms after the put`);
    } finally {
      await Promise.all([enhanced.mapping.stop(), shared.mapping.stop()]);
    }
  });
});
