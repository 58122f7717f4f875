import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PutRecordsCommandOutput, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { backoffMs, putRecordsWithRetry, type PutRecordsSender } from '../../core/streams/putRecords.js';

const entries = (n: number): PutRecordsRequestEntry[] => Array.from({ length: n }, (_, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(`d${i}`) }));

/** A clock that only moves when the loop sleeps (and by what each call costs). */
function fakeTime(callMs = 0) {
  let t = 1_000_000;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    tick: () => (t += callMs),
    sleeps,
  };
}

/** A PutRecords response as Kinesis sends it: one result per entry, in order, failures with an ErrorCode. */
function response(data: Array<string | undefined>, throttled: (i: number, d: string) => boolean): Pick<PutRecordsCommandOutput, 'Records' | 'FailedRecordCount'> {
  const Records = data.map((d, i) =>
    throttled(i, d!)
      ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000000 in stream events under account 000000000000.' }
      : { SequenceNumber: `4960${i}`, ShardId: 'shardId-000000000000' },
  );
  return { Records, FailedRecordCount: Records.filter((r) => 'ErrorCode' in r).length };
}

describe('putRecordsWithRetry', () => {
  it('resends only the throttled records of a partial failure, with backoff, until all are stored', async () => {
    const time = fakeTime();
    const calls: string[][] = [];
    const send: PutRecordsSender = async (input) => {
      const data = input.Records.map((r) => Buffer.from(r.Data!).toString());
      calls.push(data);
      // First call: every odd record throttled; second: the first of the rest; third: all stored.
      if (calls.length === 1) return response(data, (i) => i % 2 === 1);
      if (calls.length === 2) return response(data, (i) => i === 0);
      return response(data, () => false);
    };
    const out = await putRecordsWithRetry('events', entries(6), { send, now: time.now, sleep: time.sleep });
    assert.deepEqual(calls, [['d0', 'd1', 'd2', 'd3', 'd4', 'd5'], ['d1', 'd3', 'd5'], ['d1']]);
    assert.deepEqual([...out.stored].sort(), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(out.failed, []);
    assert.equal(time.sleeps.length, 2);
    assert.ok(time.sleeps[1]! > time.sleeps[0]! * 0.3, 'backoff grows (up to jitter)');
  });

  it('stops at the deadline and reports what was not stored with the last error code', async () => {
    const time = fakeTime();
    let calls = 0;
    const send: PutRecordsSender = async (input) => {
      calls++;
      time.tick();
      const data = input.Records.map((r) => Buffer.from(r.Data!).toString());
      return response(data, (_, d) => d !== 'd0');
    };
    const deadline = time.now() + 400;
    const out = await putRecordsWithRetry('events', entries(3), { attempts: 100, deadline, send, now: time.now, sleep: time.sleep });
    assert.deepEqual(out.stored, [0]);
    assert.deepEqual(out.failed, [
      { index: 1, code: 'ProvisionedThroughputExceededException' },
      { index: 2, code: 'ProvisionedThroughputExceededException' },
    ]);
    assert.ok(time.now() <= deadline, `ended ${time.now() - deadline} ms past the deadline`);
    assert.ok(calls >= 2 && calls < 100);
  });

  it('passes the deadline to the call as an abort signal, and gives up at once on a missing stream', async () => {
    let signal: AbortSignal | undefined;
    let calls = 0;
    const send: PutRecordsSender = async (_input, abortSignal) => {
      calls++;
      signal = abortSignal;
      throw Object.assign(new Error('Stream events under account 000000000000 not found.'), { name: 'ResourceNotFoundException' });
    };
    const out = await putRecordsWithRetry('events', entries(2), { deadline: Date.now() + 5_000, send });
    assert.equal(calls, 1);
    assert.ok(signal instanceof AbortSignal);
    assert.deepEqual(out.failed, [
      { index: 0, code: 'ResourceNotFoundException' },
      { index: 1, code: 'ResourceNotFoundException' },
    ]);
  });

  it('retries a failed call (network) up to the attempt limit; a missing result is a failure, never a success', async () => {
    const time = fakeTime();
    let calls = 0;
    const send: PutRecordsSender = async (input) => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Error' });
      // A short answer (the second record has no result), then the rest.
      return input.Records.length === 2
        ? { Records: [{ SequenceNumber: '1', ShardId: 's' }], FailedRecordCount: 0 }
        : { Records: [{ SequenceNumber: '2', ShardId: 's' }], FailedRecordCount: 0 };
    };
    const out = await putRecordsWithRetry('events', entries(2), { attempts: 3, send, now: time.now, sleep: time.sleep });
    assert.equal(calls, 3);
    assert.deepEqual(out.stored.sort(), [0, 1]);
    assert.deepEqual(out.failed, []);
  });

  it('keeps the backoff within its cap, with jitter', () => {
    assert.equal(backoffMs(1, () => 0.5), 50);
    assert.equal(backoffMs(2, () => 0.5), 100);
    assert.equal(backoffMs(30, () => 0.5), 1_000);
    assert.equal(backoffMs(30, () => 0), 500);
  });
});
