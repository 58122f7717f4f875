import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../../core/aws/clients.js';
import { emptyProfile } from '../../core/profile/types.js';
import { ifConditionHolds } from '../../core/store/conditional.js';
import { getJob, putJob } from '../../core/store/jobs.js';
import { applyMemberships, countMembers, listMembers } from '../../core/store/memberships.js';
import { deleteProfile, ProfileConflictError, saveProfile } from '../../core/store/profiles.js';
import { useTestStack } from '../support/stack.js';

// The core/store helpers against real DynamoDB (dynalite): conditional writes, BatchWrite through
// withUnprocessedRetry, and paging with the SDK paginators.
// The stack provisions the tables and points the shared client at dynalite; the tests use the store directly.
useTestStack();

describe('ifConditionHolds against DynamoDB', () => {
  it('reports a condition that failed as false and a write that held as true', async () => {
    const table = process.env.JOBS_TABLE!;
    const put = () =>
      ifConditionHolds(() =>
        dynamo().send(new PutCommand({ TableName: table, Item: { job: 'helpers#once' }, ConditionExpression: 'attribute_not_exists(job)' })),
      );
    assert.equal(await put(), true);
    assert.equal(await put(), false);
  });

  it('turns stale profile versions into ProfileConflictError', async () => {
    const table = process.env.PROFILES_TABLE!;
    assert.equal(await saveProfile(table, emptyProfile('helpers-u1'), 0), 1);
    await assert.rejects(saveProfile(table, emptyProfile('helpers-u1'), 0), ProfileConflictError);
    await assert.rejects(deleteProfile(table, 'helpers-u1', 7), ProfileConflictError);
    await deleteProfile(table, 'helpers-u1', 1);
  });
});

describe('jobs table', () => {
  it('reads back what it wrote, consistently or not', async () => {
    const table = process.env.JOBS_TABLE!;
    assert.equal(await getJob(table, 'helpers#absent'), undefined);
    await putJob(table, { job: 'helpers#state', swept: 'abc' });
    assert.deepEqual(await getJob(table, 'helpers#state', { consistentRead: true }), { job: 'helpers#state', swept: 'abc' });
  });
});

describe('membership paging', () => {
  it('writes 60 rows in BatchWrite chunks, counts them and pages them with the paginator', async () => {
    const table = process.env.MEMBERSHIPS_TABLE!;
    const key = 'tag#helpers_paging';
    const ids = Array.from({ length: 60 }, (_, i) => `m${String(i).padStart(3, '0')}`);
    await applyMemberships(table, ids.map((userId) => ({ key, userId, member: true, since: '2027-01-01T00:00:00.000Z' })));
    assert.equal(await countMembers(table, key), 60);
    const seen: string[] = [];
    let next: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await listMembers(table, key, 7, next);
      seen.push(...page.userIds);
      if (!page.next) break;
      next = page.next;
    }
    assert.deepEqual(seen, ids);
    await applyMemberships(table, ids.map((userId) => ({ key, userId, member: false })));
    assert.equal(await countMembers(table, key), 0);
    assert.deepEqual(await listMembers(table, key, 5), { userIds: [], next: null });
  });
});
