/**
 * The tagger handler's EMF metrics, from a real batch against dynalite: batch size, failed records, profiles written
 * and the event-to-profile lag (now minus the arrival of the oldest processed record; failed records do not count).
 * The local runtime normally prints no EMF (Powertools' dev mode); POWERTOOLS_METRICS_DISABLED=false prints the EMF
 * JSON exactly as on AWS, which this test reads from the console.
 */
import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { readableLine } from '../../core/platform/logger.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { useTestStack, track } from '../support/stack.js';
import { record } from '../support/streamRecords.js';

// Before the handler's Metrics object is made (the stack imports the handlers).
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

/** A stored (validated) event: the ingest shape plus its `eventId`. */
const stored = (eventId: string, ...args: Parameters<typeof track>) => ({ ...track(...args), eventId }) as StoredEvent;

let handler: (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse>;

useTestStack({
  async afterStart() {
    ({ handler } = await import('../../lambdas/tagger/handler.js'));
  },
  afterClose() {
    delete process.env.POWERTOOLS_METRICS_DISABLED;
  },
});

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

/** Runs `fn` and returns the EMF documents of `service` it printed. */
async function emfOf<T>(service: string, fn: () => Promise<T>): Promise<{ result: T; docs: Emf[] }> {
  const lines: string[] = [];
  const spy = mock.method(console, 'log', (...args: unknown[]) => lines.push(args.map(String).join(' ')));
  let result: T;
  try {
    result = await fn();
  } finally {
    spy.mock.restore();
  }
  const docs = lines
    .filter((l) => l.startsWith('{') && l.includes('"_aws"'))
    .map((l) => JSON.parse(l) as Emf)
    .filter((d) => d.service === service);
  return { result, docs };
}

describe('tagger metrics', () => {
  it('emits batch size, failed records, profiles written and the event-to-profile lag as EMF', async () => {
    const now = Date.now();
    const arrivedAgo = (ms: number, r: ReturnType<typeof record>) => {
      r.kinesis.approximateArrivalTimestamp = (now - ms) / 1000;
      return r;
    };
    // Two users, three good records, and one poison record that is the oldest: its age must not count.
    const poison = arrivedAgo(60_000, record(stored('mt-0', 'm1', 'login', '2026-11-20T09:00:00.000Z')));
    poison.kinesis.data = Buffer.from('not a stream record').toString('base64');
    const records = [
      poison,
      arrivedAgo(5_000, record(stored('mt-1', 'm1', 'order_completed', '2026-11-20T10:00:00.000Z', { orderId: 'mo1', revenue: 40 }))),
      arrivedAgo(4_000, record(stored('mt-2', 'm1', 'payment_failed', '2026-11-20T10:05:00.000Z'))),
      arrivedAgo(3_000, record(stored('mt-3', 'm2', 'login', '2026-11-20T10:06:00.000Z'))),
    ];

    const { result, docs } = await emfOf('opsgraph-tagger', () => handler({ Records: records }));
    const elapsed = Date.now() - now;

    assert.deepEqual(result, { batchItemFailures: [{ itemIdentifier: poison.kinesis.sequenceNumber }] });
    assert.equal(docs.length, 1, 'one EMF document per invocation');
    const [doc] = docs as [Emf];
    const [definition] = doc._aws.CloudWatchMetrics;
    assert.equal(definition!.Namespace, 'opsgraph');
    assert.deepEqual(definition!.Dimensions, [['service', 'stage']]);
    assert.equal(doc.stage, 'local');
    assert.deepEqual(
      Object.fromEntries(definition!.Metrics.map((m) => [m.Name, m.Unit])),
      { BatchSize: 'Count', FailedRecords: 'Count', ProfilesWritten: 'Count', EventToProfileLag: 'Milliseconds' },
    );
    assert.equal(doc.BatchSize, 4);
    assert.equal(doc.FailedRecords, 1);
    assert.equal(doc.ProfilesWritten, 2, 'one write per user in the batch');
    const lag = doc.EventToProfileLag as number;
    assert.ok(lag >= 5_000 && lag <= 5_000 + elapsed + 1, `lag ${lag} ms: the oldest processed record (5 s), not the poison one (60 s)`);
  });

  it('counts the whole batch as failed when nothing could be decoded, with no lag', async () => {
    const bad = record(stored('mt-4', 'm3', 'login', '2026-11-20T09:00:00.000Z'));
    bad.kinesis.data = Buffer.from('{}').toString('base64');
    const { docs } = await emfOf('opsgraph-tagger', () => handler({ Records: [bad] }));
    assert.equal(docs.length, 1);
    assert.equal(docs[0]!.BatchSize, 1);
    assert.equal(docs[0]!.FailedRecords, 1);
    assert.equal(docs[0]!.ProfilesWritten, 0);
    assert.equal('EventToProfileLag' in docs[0]!, false);
  });
});

describe('readable log lines (the local runtime)', () => {
  it('prints one line per record: time, level, service, message, key=value', () => {
    const line = readableLine({
      timestamp: new Date(2026, 10, 20, 12, 0, 1, 234).toISOString(),
      level: 'INFO',
      service: 'opsgraph-tagger',
      message: 'batch processed',
      cold_start: true,
      records: 500,
      failed: 0,
      note: 'two\nlines',
      error: { name: 'Error', message: 'boom', location: 'file.ts:1', stack: 'Error: boom\n    at file.ts:1' },
    });
    assert.equal(line, '12:00:01.234 INFO tagger batch processed records=500 failed=0 note="two\\nlines" error="Error: boom (file.ts:1)"');
    assert.doesNotMatch(line, /\n/);
  });
});
