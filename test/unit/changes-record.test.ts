/**
 * The changes stream's record format (core/changes/record.ts): one record per lane of users, each user's changes
 * in order and in one record, and records of the two earlier formats still decode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHANGE_LANES, decodeChangeRecord, encodeChangeRecords, laneOf } from '../../core/changes/record.js';
import type { ProfileChange } from '../../core/changes/types.js';

const at = '2026-11-20T10:00:00.000Z';
const changes: ProfileChange[] = [
  { kind: 'profile_updated', userId: 'u1', subject: '', at },
  { kind: 'tag_added', userId: 'u2', subject: 'high_value', at },
  { kind: 'tag_added', userId: 'u1', subject: 'high_value', at },
  { kind: 'segment_entered', userId: 'u1', subject: 'vip', at: '2026-11-20T10:05:00.000Z' },
];

describe('change records', () => {
  it('packs the users of a lane into one record partitioned by the lane, each user\'s changes in order', () => {
    // Two users of one lane and one of another.
    const ids = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const [a, b] = ids.filter((id) => laneOf(id) === laneOf(ids[0]!));
    const c = ids.find((id) => laneOf(id) !== laneOf(a!))!;
    const mixed: ProfileChange[] = [
      { ...changes[0]!, userId: a! },
      { ...changes[1]!, userId: c },
      { ...changes[2]!, userId: b! },
      { ...changes[3]!, userId: a! },
    ];
    const records = encodeChangeRecords(mixed);
    assert.deepEqual(records.map((r) => r.PartitionKey), [`lane-${laneOf(a!)}`, `lane-${laneOf(c)}`]);
    assert.deepEqual(decodeChangeRecord(records[0]!.Data), [mixed[0], mixed[3], mixed[2]]);
    assert.deepEqual(decodeChangeRecord(records[1]!.Data), [mixed[1]]);
  });

  it('spreads users over every lane, the same lane in every process', () => {
    const lanes = new Set(Array.from({ length: 10_000 }, (_, i) => laneOf(`user-${i}`)));
    assert.equal(lanes.size, CHANGE_LANES);
    // Pinned: a different hash would move users between lanes, and so reorder their changes across an upgrade.
    assert.equal(laneOf('user-42'), 43);
    assert.ok([...lanes].every((l) => Number.isInteger(l) && l >= 0 && l < CHANGE_LANES));
  });

  it('starts another record of a lane past 256 KiB, never splitting a user', () => {
    const big = 'x'.repeat(10_000);
    const lane = laneOf('user-0');
    const users = Array.from({ length: 2_000 }, (_, i) => `user-${i}`).filter((id) => laneOf(id) === lane).slice(0, 40);
    const many = users.flatMap((userId) => [3, 2, 1].map((n): ProfileChange => ({ kind: 'tag_added', userId, subject: big + n, at })));
    const records = encodeChangeRecords(many);
    assert.ok(records.length >= 2, `${records.length} records`);
    for (const r of records) {
      assert.equal(r.PartitionKey, `lane-${lane}`);
      assert.ok(r.Data.byteLength <= 300 * 1024, `${r.Data.byteLength} bytes`);
    }
    // Concatenated in order, the records give back every change in order.
    assert.deepEqual(records.flatMap((r) => decodeChangeRecord(r.Data)!), many);
  });

  it('decodes records of the earlier formats: one user\'s changes, and one bare change', () => {
    assert.deepEqual(decodeChangeRecord(Buffer.from(JSON.stringify({ userId: 'u1', changes: [{ kind: 'tag_added', subject: 'vip', at }] }))), [
      { kind: 'tag_added', subject: 'vip', at, userId: 'u1' },
    ]);
    assert.deepEqual(decodeChangeRecord(Buffer.from(JSON.stringify(changes[1]))), [changes[1]]);
  });

  it('rejects what is neither format', () => {
    for (const bad of ['not json', '{}', '[]', JSON.stringify({ userId: 'u1', changes: [] }), JSON.stringify({ users: [] }), JSON.stringify({ users: [{ userId: '', changes: [{ kind: 'tag_added', subject: 'x', at }] }] }), JSON.stringify({ ...changes[0], kind: 'tag_renamed' }), JSON.stringify({ userId: 'u1', changes: [{ kind: 'tag_added', subject: 'x', at: 'yesterday' }] })]) {
      assert.equal(decodeChangeRecord(Buffer.from(bad)), null, bad);
    }
  });
});
