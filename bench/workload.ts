import type { KinesisStreamRecord } from 'aws-lambda';
import type { StreamRecord } from '../core/events/schema.js';

/** The engine benchmarks' synthetic traffic: Zipf-distributed users, a shop's event mix, one event a minute. */
export const USERS = 100_000;
export const ZIPF_S = 1.1;
export const BATCH = 500;

/** Sampler for ranks 1..n with P(k) ∝ k^-s, by inverse CDF over a precomputed table. */
function zipf(n: number, s: number, seed: number): () => number {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let k = 1; k <= n; k++) cdf[k - 1] = total += 1 / k ** s;
  let state = seed >>> 0;
  const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < target) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  };
}

const KINDS = ['product_viewed', 'product_viewed', 'product_added_to_cart', 'order_completed', 'login', 'app_opened'];
const CATEGORIES = ['garden', 'kitchen', 'toys', 'lighting', 'gifts'];

/** The users of `count` events, drawn from Zipf(s = 1.1) over 100,000; `makeRecords` with the same seed has them. */
export function zipfUserIds(count: number, seed: number): string[] {
  const next = zipf(USERS, ZIPF_S, seed);
  return Array.from({ length: count }, () => `user-${next()}`);
}

/** `count` Kinesis records as the tagger receives them, for users drawn from Zipf(s = 1.1) over 100,000. */
export function makeRecords(count: number, seed: number): KinesisStreamRecord[] {
  const users = zipfUserIds(count, seed);
  const base = Date.UTC(2026, 0, 1);
  return Array.from({ length: count }, (_, i) => {
    const event = KINDS[i % KINDS.length]!;
    const body: StreamRecord = {
      v: 1,
      receivedAt: '2026-11-23T00:00:00.000Z',
      source: 'bench',
      event: {
        type: 'track',
        event,
        eventId: `bench-${seed}-${i}`,
        userId: users[i],
        timestamp: new Date(base + i * 60_000).toISOString(),
        properties:
          event === 'order_completed'
            ? { orderId: `o-${seed}-${i}`, revenue: 20 + (i % 300), products: [{ category: CATEGORIES[i % 5], price: 10, quantity: 2 }] }
            : { productId: `p-${i % 1000}`, category: CATEGORIES[i % 5] },
        context: { channel: 'app', country: 'GB' },
      },
    };
    const seq = String(i + 1).padStart(56, '0');
    return {
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: body.event.userId!, sequenceNumber: seq, data: Buffer.from(JSON.stringify(body)).toString('base64'), approximateArrivalTimestamp: 0 },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `shardId-000000000000:${seq}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/bench',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench',
    };
  });
}
