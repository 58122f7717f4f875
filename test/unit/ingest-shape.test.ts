import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daysInMonth, isCalendarTimestamp } from '../../core/events/calendar.js';
import { checkEventShape, MAX_ARRAY_LENGTH, MAX_NESTING_DEPTH, MAX_TOTAL_KEYS } from '../../core/events/shape.js';
import { validateBatch, validateEvent } from '../../core/events/validate.js';
import { canonicalJson, checkDuplicateEventIds } from '../../core/ingest/duplicates.js';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
const base = { type: 'track', event: 'login', userId: 'u1', timestamp: '2026-11-23T10:00:00Z' };

/** `{ a: { a: … { a: 1 } } }` with `levels` objects. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { a: 1 };
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe('checkEventShape', () => {
  it('takes ordinary events, and properties nested up to the limit', () => {
    assert.equal(checkEventShape({ ...base, properties: { products: [{ category: 'x', tags: ['a'] }] } }), null);
    // The event is level 1 and its properties level 2.
    assert.equal(checkEventShape({ ...base, properties: nested(MAX_NESTING_DEPTH - 1) }), null);
    assert.equal(checkEventShape({ ...base, properties: nested(MAX_NESTING_DEPTH) })?.code, 'TOO_DEEP');
  });

  it('rejects 100,000 levels without overflowing the stack, and says where', () => {
    const deep = { ...base, properties: nested(100_000) };
    const v = checkEventShape(deep);
    assert.equal(v?.code, 'TOO_DEEP');
    assert.ok(v!.message.startsWith('properties.a.a'), v!.message);
    assert.ok(v!.message.length < 300);
    // Deep arrays too.
    let arr: unknown = [];
    for (let i = 0; i < 100_000; i++) arr = [arr];
    assert.equal(checkEventShape({ ...base, properties: { arr } })?.code, 'TOO_DEEP');
  });

  it('caps array lengths and the total number of keys', () => {
    assert.equal(checkEventShape({ ...base, properties: { xs: new Array(MAX_ARRAY_LENGTH).fill(0) } }), null);
    assert.equal(checkEventShape({ ...base, properties: { xs: new Array(MAX_ARRAY_LENGTH + 1).fill(0) } })?.code, 'ARRAY_TOO_LONG');
    const wide = Object.fromEntries(Array.from({ length: MAX_TOTAL_KEYS }, (_, i) => [`k${i}`, i]));
    assert.equal(checkEventShape({ ...base, properties: wide })?.code, 'TOO_MANY_KEYS');
    const spread = Array.from({ length: 200 }, (_, i) => ({ a: i, b: i, c: i, d: i, e: i, f: i }));
    assert.equal(checkEventShape({ ...base, properties: { spread } })?.code, 'TOO_MANY_KEYS');
  });

  it('walks a __proto__ key as data, without touching prototypes', () => {
    const raw = JSON.parse('{"type":"track","properties":{"__proto__":{"polluted":true}}}');
    assert.equal(checkEventShape(raw), null);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('validateEvent shape limits', () => {
  it('rejects deep nesting per item, before serializing (was a RangeError: the whole request failed)', () => {
    const events = [{ ...base, properties: nested(6_000) }, base];
    const { valid, rejected } = validateBatch({ events }, NOW);
    assert.deepEqual(rejected.map((r) => [r.index, r.code]), [[0, 'TOO_DEEP']]);
    assert.deepEqual(valid.map((v) => v.index), [1]);
  });

  it('rejects long arrays in well-known events with their own code', () => {
    const r = validateEvent({ ...base, event: 'share', properties: { to: new Array(5_000).fill('x') } }, 3, NOW);
    assert.ok(!r.ok);
    assert.equal(r.rejection.code, 'ARRAY_TOO_LONG');
    assert.equal(r.rejection.index, 3);
  });
});

describe('calendar timestamps', () => {
  it('knows the months and leap years', () => {
    assert.deepEqual([2023, 2024, 1900, 2000].map((y) => daysInMonth(y, 2)), [28, 29, 28, 29]);
    assert.equal(daysInMonth(2026, 4), 30);
    assert.equal(daysInMonth(2026, 12), 31);
  });

  it('takes real instants in every form the contract allows', () => {
    for (const s of ['2024-02-29T10:00:00Z', '2026-12-31T23:59:59.999Z', '2026-01-01T00:00+08:00', '2026-06-30T12:00:00-0530', '2026-11-23T10:00:00.123456789Z']) {
      assert.ok(isCalendarTimestamp(s), s);
    }
  });

  it('refuses impossible dates and times', () => {
    for (const s of ['2026-02-30T10:00:00Z', '2026-02-29T10:00:00Z', '2026-13-01T10:00:00Z', '2026-00-10T10:00:00Z', '2026-04-31T10:00:00Z', '2026-01-00T10:00:00Z', '2026-01-01T24:00:01Z', '2026-01-01T24:00:00Z', '2026-01-01T10:60:00Z', '2026-01-01T10:00:60Z', '2026-01-01T10:00:00+24:00', '2026-01-01T10:00:00+05:60']) {
      assert.ok(!isCalendarTimestamp(s), s);
    }
  });

  it('makes ingest reject them with BAD_TIMESTAMP instead of moving them to March', () => {
    for (const timestamp of ['2026-02-30T10:00:00Z', '2026-13-01T10:00:00Z', '2026-01-01T24:00:01Z']) {
      const r = validateEvent({ ...base, timestamp }, 0, NOW);
      assert.ok(!r.ok, timestamp);
      assert.equal(r.rejection.code, 'BAD_TIMESTAMP', timestamp);
    }
    const leap = validateEvent({ ...base, timestamp: '2024-02-29T10:00:00Z' }, 0, NOW);
    assert.ok(leap.ok);
    assert.equal(leap.event.timestamp, '2024-02-29T10:00:00.000Z');
  });
});

describe('duplicate eventIds in one request', () => {
  const valid = (events: unknown[]) => validateBatch({ events }, NOW).valid;

  it('rejects a second, different event under a used eventId and keeps the first', () => {
    const a = { ...base, eventId: 'e1', properties: { n: 1 } };
    const b = { ...base, eventId: 'e1', properties: { n: 2 } };
    const c = { ...base, eventId: 'e2' };
    const { unique, copies, conflicts } = checkDuplicateEventIds(valid([a, b, c]));
    assert.deepEqual(unique.map((u) => u.index), [0, 2]);
    assert.equal(copies.size, 0);
    assert.deepEqual(conflicts.map((r) => [r.index, r.code]), [[1, 'DUPLICATE_EVENT_ID']]);
    assert.match(conflicts[0]!.message, /event 0/);
  });

  it('takes an exact copy (key order aside) once, as idempotent', () => {
    const a = { ...base, eventId: 'e1', properties: { x: 1, y: { p: 1, q: 2 } } };
    const b = { eventId: 'e1', properties: { y: { q: 2, p: 1 }, x: 1 }, ...base };
    const { unique, copies, conflicts } = checkDuplicateEventIds(valid([a, b]));
    assert.deepEqual(unique.map((u) => u.index), [0]);
    assert.deepEqual([...copies], [[1, 0]]);
    assert.deepEqual(conflicts, []);
  });

  it('canonical JSON sorts keys at every level', () => {
    assert.equal(canonicalJson({ b: [{ d: 1, c: 2 }], a: null }), '{"a":null,"b":[{"c":2,"d":1}]}');
  });
});
