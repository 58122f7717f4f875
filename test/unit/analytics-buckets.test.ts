/** Event-time buckets across DST changes (Europe/London, historical Asia/Shanghai), ISO weeks, and the guards. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { bucketRanges, bucketStart, nextBucketStart } from '../../core/analytics/buckets.js';
import { AnalyticsInputError } from '../../core/analytics/errors.js';

const iso = (ms: number) => new Date(ms).toISOString();
const hours = (b: { start: number; end: number }) => (b.end - b.start) / 3_600_000;

describe('buckets', () => {
  it('Europe/London: the spring-forward day is 23 hours, the fall-back day 25', () => {
    const spring = bucketRanges(Date.parse('2021-03-27T12:00Z'), Date.parse('2021-03-29T12:00Z'), 'DAY', 'Europe/London');
    assert.deepEqual(spring.map((b) => [iso(b.start), hours(b)]), [
      ['2021-03-27T00:00:00.000Z', 24],
      ['2021-03-28T00:00:00.000Z', 23],
      ['2021-03-28T23:00:00.000Z', 24],
    ]);
    const fall = bucketRanges(Date.parse('2021-10-31T12:00Z'), Date.parse('2021-11-01T12:00Z'), 'DAY', 'Europe/London');
    assert.deepEqual(fall.map((b) => [iso(b.start), hours(b)]), [
      ['2021-10-30T23:00:00.000Z', 25],
      ['2021-11-01T00:00:00.000Z', 24],
    ]);
  });

  it('Europe/London: hours skip 01:00 local in spring and repeat it in autumn', () => {
    const spring = bucketRanges(Date.parse('2021-03-28T00:00Z'), Date.parse('2021-03-28T03:00Z'), 'HOUR', 'Europe/London');
    assert.equal(spring.length, 3);
    assert.ok(spring.every((b) => hours(b) === 1));
    // 01:30 BST (00:30Z) and 01:30 GMT (01:30Z) are different buckets
    assert.equal(iso(bucketStart(Date.parse('2021-10-31T00:30Z'), 'HOUR', 'Europe/London')), '2021-10-31T00:00:00.000Z');
    assert.equal(iso(bucketStart(Date.parse('2021-10-31T01:30Z'), 'HOUR', 'Europe/London')), '2021-10-31T01:00:00.000Z');
  });

  it('Europe/London: ISO weeks start on Monday at local midnight; months at the 1st', () => {
    assert.equal(iso(bucketStart(Date.parse('2021-03-31T12:00Z'), 'WEEK', 'Europe/London')), '2021-03-28T23:00:00.000Z');
    assert.equal(iso(bucketStart(Date.parse('2021-03-28T22:30Z'), 'WEEK', 'Europe/London')), '2021-03-22T00:00:00.000Z');
    assert.equal(iso(bucketStart(Date.parse('2021-04-15T12:00Z'), 'MONTH', 'Europe/London')), '2021-03-31T23:00:00.000Z');
    assert.equal(iso(nextBucketStart(Date.parse('2021-03-01T00:00Z'), 'MONTH', 'Europe/London')), '2021-03-31T23:00:00.000Z');
    // Sunday 2021-01-03 belongs to the ISO week of Monday 2020-12-28
    assert.equal(iso(bucketStart(Date.parse('2021-01-03T12:00Z'), 'WEEK', 'UTC')), '2020-12-28T00:00:00.000Z');
  });

  it('Asia/Shanghai: days start at 16:00Z and are 24 hours (no DST since 1991)', () => {
    const days = bucketRanges(Date.parse('2021-03-01T00:00Z'), Date.parse('2021-11-30T00:00Z'), 'DAY', 'Asia/Shanghai');
    assert.equal(iso(days[0]!.start), '2021-02-28T16:00:00.000Z');
    assert.ok(days.every((b) => hours(b) === 24));
    assert.equal(iso(bucketStart(Date.parse('2021-06-01T15:59Z'), 'DAY', 'Asia/Shanghai')), '2021-05-31T16:00:00.000Z');
    assert.equal(iso(bucketStart(Date.parse('2021-06-01T16:00Z'), 'DAY', 'Asia/Shanghai')), '2021-06-01T16:00:00.000Z');
  });

  it('Asia/Shanghai 1988: China\'s DST gave a 23-hour 17 April and a 25-hour 11 September', () => {
    const spring = bucketRanges(Date.UTC(1988, 3, 16, 12), Date.UTC(1988, 3, 18, 12), 'DAY', 'Asia/Shanghai');
    assert.deepEqual(spring.map((b) => [iso(b.start), hours(b)]), [
      ['1988-04-15T16:00:00.000Z', 24],
      ['1988-04-16T16:00:00.000Z', 23],
      ['1988-04-17T15:00:00.000Z', 24],
    ]);
    const fall = bucketRanges(Date.UTC(1988, 8, 10, 16), Date.UTC(1988, 8, 11, 12), 'DAY', 'Asia/Shanghai');
    assert.deepEqual(fall.map((b) => [iso(b.start), hours(b)]), [['1988-09-10T15:00:00.000Z', 25]]);
  });

  it('half-hour zones truncate to their own hours', () => {
    assert.equal(iso(bucketStart(Date.parse('2021-01-01T00:10Z'), 'HOUR', 'Asia/Kolkata')), '2020-12-31T23:30:00.000Z');
  });

  it('every instant of a range falls in exactly one bucket', () => {
    const from = Date.parse('2021-03-20T00:00Z');
    const to = Date.parse('2021-04-10T00:00Z');
    for (const zone of ['Europe/London', 'Asia/Shanghai', 'America/New_York', 'UTC']) {
      const r = bucketRanges(from, to, 'DAY', zone);
      for (let i = 1; i < r.length; i++) assert.equal(r[i]!.start, r[i - 1]!.end);
      for (let t = from; t < to; t += 37 * 60_000) {
        const s = bucketStart(t, 'DAY', zone);
        assert.ok(r.some((b) => b.start === s && t >= b.start && t < b.end), `${zone} ${iso(t)}`);
      }
    }
  });

  it('bad input: reversed range, too many buckets (fast), unknown zone', () => {
    const code = (reason: string) => (e: unknown) => e instanceof AnalyticsInputError && e.code === 'BAD_USER_INPUT' && e.reason === reason;
    assert.throws(() => bucketRanges(2, 1, 'DAY'), code('RANGE_REVERSED'));
    const started = performance.now();
    assert.throws(() => bucketRanges(Date.parse('2015-01-01Z'), Date.parse('2020-01-01Z'), 'HOUR', 'Europe/London'), code('TOO_MANY_BUCKETS'));
    assert.ok(performance.now() - started < 50);
    assert.throws(() => bucketRanges(0, 1, 'DAY', 'Mars/Olympus'), code('BAD_TIME_ZONE'));
    assert.throws(() => bucketRanges(0, 1, 'YEAR' as never), code('BAD_GRANULARITY'));
    assert.deepEqual(bucketRanges(5, 5, 'DAY'), []);
  });
});
