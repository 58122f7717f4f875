/**
 * The changes stream's record format (core/changes/record.ts): one record per user, that user's changes in order,
 * and records of the earlier one-change format still decode.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeChangeRecord, encodeChangeRecords } from '../../core/changes/record.js';
import type { ProfileChange } from '../../core/changes/types.js';

const at = '2026-11-20T10:00:00.000Z';
const changes: ProfileChange[] = [
  { kind: 'profile_updated', userId: 'u1', subject: '', at },
  { kind: 'tag_added', userId: 'u2', subject: 'high_value', at },
  { kind: 'tag_added', userId: 'u1', subject: 'high_value', at },
  { kind: 'segment_entered', userId: 'u1', subject: 'vip', at: '2026-11-20T10:05:00.000Z' },
];

describe('change records', () => {
  it('packs each user\'s changes into one record, partitioned by the user, in order', () => {
    const records = encodeChangeRecords(changes);
    assert.deepEqual(records.map((r) => r.PartitionKey), ['u1', 'u2']);
    assert.deepEqual(decodeChangeRecord(records[0]!.Data), [changes[0], changes[2], changes[3]]);
    assert.deepEqual(decodeChangeRecord(records[1]!.Data), [changes[1]]);
  });

  it('decodes a record of the earlier format, one change as a bare object', () => {
    assert.deepEqual(decodeChangeRecord(Buffer.from(JSON.stringify(changes[1]))), [changes[1]]);
  });

  it('rejects what is neither format', () => {
    for (const bad of ['not json', '{}', '[]', JSON.stringify({ userId: 'u1', changes: [] }), JSON.stringify({ ...changes[0], kind: 'tag_renamed' }), JSON.stringify({ userId: 'u1', changes: [{ kind: 'tag_added', subject: 'x', at: 'yesterday' }] })]) {
      assert.equal(decodeChangeRecord(Buffer.from(bad)), null, bad);
    }
  });
});
