import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ifConditionHolds, isConditionalCheckFailed } from '../../core/store/conditional.js';
import { unprocessedBackoffMs, withUnprocessedRetry } from '../../core/store/retry.js';

describe('withUnprocessedRetry', () => {
  it('resends only what came back unprocessed, with growing pauses, until nothing is left', async () => {
    const sent: number[][] = [];
    const pauses: number[] = [];
    // A fake sender standing in for BatchWriteItem: processes the first item of each request, hands back the rest.
    await withUnprocessedRetry(
      [1, 2, 3, 4],
      async (pending) => {
        sent.push(pending);
        return pending.slice(1);
      },
      async (ms) => {
        pauses.push(ms);
      },
    );
    assert.deepEqual(sent, [[1, 2, 3, 4], [2, 3, 4], [3, 4], [4]]);
    assert.deepEqual(pauses, [unprocessedBackoffMs(1), unprocessedBackoffMs(2), unprocessedBackoffMs(3)]);
    assert.deepEqual(pauses, [40, 80, 160]);
  });

  it('sends once and never pauses when everything is processed (undefined or empty answer)', async () => {
    for (const answer of [undefined, []]) {
      let calls = 0;
      await withUnprocessedRetry(
        ['a'],
        async () => {
          calls++;
          return answer;
        },
        async () => assert.fail('no pause expected'),
      );
      assert.equal(calls, 1);
    }
  });

  it('sends nothing for no items', async () => {
    await withUnprocessedRetry([], async () => assert.fail('no send expected'));
  });

  it('caps the pause at one second and propagates a send error', async () => {
    assert.equal(unprocessedBackoffMs(10), 1000);
    await assert.rejects(
      withUnprocessedRetry([1], async () => {
        throw new Error('throttled');
      }),
      /throttled/,
    );
  });
});

describe('conditional writes', () => {
  const conditionFailed = () => Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' });

  it('recognises ConditionalCheckFailedException and nothing else', () => {
    assert.equal(isConditionalCheckFailed(conditionFailed()), true);
    assert.equal(isConditionalCheckFailed({ name: 'ConditionalCheckFailedException' }), true);
    assert.equal(isConditionalCheckFailed(new Error('boom')), false);
    assert.equal(isConditionalCheckFailed(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' })), false);
    assert.equal(isConditionalCheckFailed(null), false);
    assert.equal(isConditionalCheckFailed('ConditionalCheckFailedException'), false);
  });

  it('ifConditionHolds: true when written, false when the condition failed, other errors thrown', async () => {
    assert.equal(await ifConditionHolds(async () => ({})), true);
    assert.equal(
      await ifConditionHolds(async () => {
        throw conditionFailed();
      }),
      false,
    );
    await assert.rejects(
      ifConditionHolds(async () => {
        throw new Error('network');
      }),
      /network/,
    );
  });
});
