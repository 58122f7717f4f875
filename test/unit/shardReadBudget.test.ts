import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { READ_BYTES_PER_SECOND, SHARED_READS_PER_SECOND, ShardReadBudget, shardReadBudget } from '../../local/shardReadBudget.js';

const bytes = (n: number) => [{ Data: new Uint8Array(n), PartitionKey: '' }];

describe('a shard read budget', () => {
  it('spaces shared reads 200 ms apart, whoever takes them', () => {
    const budget = new ShardReadBudget(SHARED_READS_PER_SECOND);
    const turns = Array.from({ length: 6 }, () => budget.reserve(0));
    assert.deepEqual(turns, [0, 200, 400, 600, 800, 1000]);
    // Idle time is not banked: a read a second after the last turn waits for nobody.
    assert.equal(budget.reserve(3000), 0);
    assert.equal(budget.reserve(3000), 200);
  });

  it('holds the next read back after a big one, at 2 MB/s', () => {
    const budget = new ShardReadBudget(SHARED_READS_PER_SECOND);
    budget.reserve(0);
    budget.charge(bytes(4 * 1024 * 1024), 0);
    assert.equal(budget.reserve(0), 2000);
    const pushed = new ShardReadBudget();
    assert.equal(pushed.reserve(0) + pushed.reserve(0), 0, 'no call limit for an enhanced consumer');
    pushed.charge(bytes(READ_BYTES_PER_SECOND), 0);
    assert.equal(pushed.reserve(0), 1000);
  });

  it('is one per shard for shared consumers and one per mapping for enhanced ones', () => {
    assert.equal(shardReadBudget('s', 'shard-0'), shardReadBudget('s', 'shard-0', 'SHARED'));
    assert.notEqual(shardReadBudget('s', 'shard-0'), shardReadBudget('s', 'shard-1'));
    assert.notEqual(shardReadBudget('s', 'shard-0', 'ENHANCED'), shardReadBudget('s', 'shard-0', 'ENHANCED'));
  });
});
