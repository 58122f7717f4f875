import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeReasons, encodeReasons, REASONS_ATTR } from '../../core/store/churnCodec.js';
import { fromItem } from '../../core/store/profiles.js';
import { encodeProfile } from '../../core/store/profileCodec.js';
import { emptyProfile } from '../../core/profile/types.js';

/** Reasons as `core/churn/reasons.ts` words them, one of each kind of sentence. */
const REASONS = [
  'No purchase for 74 days, longer than the typical gap of 21 days — raises risk',
  '12 orders in total, 0 purchase days in the last 90 days — raises risk',
  'Chance of no purchase in the next 90 days from purchase pattern is 81% — raises risk',
  'Probability still active from purchase pattern is 92% (no purchase in the next 90 days: 34%) — lowers risk',
  'Spent 1.2k in total (96 per order) — lowers risk',
  'Refunds on 8% of orders (3% of spend) — raises risk',
  'Customer for 1 day — lowers risk',
  'Ünïcode survives: 日本 — lowers risk',
];

test('reasons round-trip through the stored form, in order, unicode included', () => {
  assert.deepEqual(decodeReasons(encodeReasons(REASONS)), REASONS);
  assert.deepEqual(decodeReasons(encodeReasons([])), []);
});

test('three typical reasons take well under half their plain bytes', () => {
  const three = REASONS.slice(0, 3);
  const plain = three.reduce((n, r) => n + Buffer.byteLength(r), 0);
  const stored = encodeReasons(three).byteLength;
  assert.ok(stored * 2 < plain, `stored ${stored} B vs plain ${plain} B`);
});

test('a profile item reads its churn reasons from rz, and from the plain list older items hold', () => {
  const body = encodeProfile(emptyProfile('u-1'));
  const score = { probability: 0.81, band: 'HIGH', modelVersion: 'm-1', scoredAt: '2026-11-01T00:00:00.000Z', bandSince: '2026-10-01T00:00:00.000Z' };
  const compressed = fromItem({ userId: 'u-1', version: 3, [body.attr]: body.value, churn: { ...score, [REASONS_ATTR]: encodeReasons(REASONS.slice(0, 3)) } });
  const older = fromItem({ userId: 'u-1', version: 3, [body.attr]: body.value, churn: { ...score, reasons: REASONS.slice(0, 3) } });
  assert.deepEqual(compressed.churn, { ...score, reasons: REASONS.slice(0, 3) });
  assert.deepEqual(older.churn, compressed.churn);
});

test('reading a profile leaves compressed reasons alone until they are asked for', () => {
  const body = encodeProfile(emptyProfile('u-1'));
  const score = { probability: 0.2, band: 'LOW', modelVersion: 'm-1', scoredAt: '2026-11-01T00:00:00.000Z' };
  // Bytes that do not inflate: only reading `reasons` can notice.
  const stored = fromItem({ userId: 'u-1', version: 1, [body.attr]: body.value, churn: { ...score, [REASONS_ATTR]: Uint8Array.of(0xff, 0xff, 0xff) } });
  assert.equal(stored.churn?.band, 'LOW');
  assert.throws(() => stored.churn?.reasons);
});
