/**
 * Dead letters through the running local stack: a record that keeps failing reaches the on-failure destination with
 * its data (the document Lambda's S3 destination writes), `npm run dlq` lists and shows it, and once the cause is
 * fixed `npm run dlq -- replay` puts it back into the stream, so its effect reaches the profile, once.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { dynamo } from '../../core/aws/clients.js';
import { recordsOf, REPLAYED_PREFIX } from '../../core/deadLetters/document.js';
import { gql, postJson, useTestStack, track, waitFor } from '../support/stack.js';

const run = promisify(execFile);
const USER = 'dlq-poison-user';
/** While true, the profile store refuses every write of USER's profile: the "poison" cause, fixed later. */
let storeRefusesUser = true;

const stack = useTestStack({
  afterStart() {
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { TableName?: string; Key?: { userId?: { S?: string } | string } };
        const key = input.Key?.userId;
        const userId = typeof key === 'string' ? key : key?.S;
        if (storeRefusesUser && context.commandName === 'UpdateItemCommand' && input.TableName === process.env.PROFILES_TABLE && userId === USER) {
          throw new Error(`injected fault: the profile store refuses ${USER}`);
        }
        return next(args);
      },
      { step: 'initialize', name: 'refuse-poison-user' },
    );
  },
  beforeClose() {
    dynamo().middlewareStack.remove('refuse-poison-user');
  },
});

/** `npm run dlq -- …` as a separate process against the test stack's data folder (and its Kinesis). */
async function dlq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/dlq.ts', ...args, '--data-dir', stack.dataDir], {
      env: process.env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, any>);

const orders = async () => {
  const r = await gql(stack, `{ user(id: "${USER}") { stats { orders revenue } events { edges { node { eventId } } } } }`);
  return r.json.data?.user as { stats: { orders: number; revenue: number }; events: { edges: unknown[] } } | null;
};

describe('dead letters keep their records and replay through the stream', () => {
  it('a poison record reaches the dead letters with its data; dlq list, show and replay bring its effect back once', async () => {
    const event = track(USER, 'order_completed', '2026-11-20T10:00:00Z', { orderId: 'dlq-o1', revenue: 250, currency: 'GBP' }, { eventId: 'dlq-order-1' });
    const res = await postJson(stack.ingestUrl, { events: [event] }, stack.apiKey);
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.accepted, 1);

    // Retries, bisect, then the on-failure destination: the document Lambda's S3 destination writes.
    const [letter] = await waitFor(async () => {
      const l = await stack.deadLetters.get('tagger')!.list();
      return l.length > 0 ? l : null;
    }, 'the dead letter');
    assert.equal(letter!.requestContext.condition, 'RetryAttemptsExhausted');
    assert.equal(letter!.KinesisBatchInfo.batchSize, 1);
    const [failed] = recordsOf(letter!);
    assert.equal(failed!.partitionKey, USER);
    assert.equal(failed!.sequenceNumber, letter!.KinesisBatchInfo.startSequenceNumber);
    const stored = JSON.parse(failed!.data.toString('utf8')) as { event: { eventId: string; properties: { revenue: number } } };
    assert.equal(stored.event.eventId, 'dlq-order-1', 'the record itself, not a pointer to it');
    assert.equal(stored.event.properties.revenue, 250);
    assert.equal((await orders())?.stats.orders ?? 0, 0, 'nothing applied while the store refuses the user');

    // dlq list and show, from another process, read the same files.
    const listed = await dlq('list');
    assert.equal(listed.code, 0, listed.stderr);
    const entries = lines(listed.stdout);
    assert.equal(entries.length, 1);
    const entry = entries[0]!;
    assert.equal(entry.function, 'tagger');
    assert.equal(entry.stream, process.env.EVENTS_STREAM);
    assert.equal(entry.records, 1);
    assert.equal(entry.hasRecords, true);
    assert.match(entry.id, /^aws\/lambda\/[0-9a-f-]{36}\/shardId-\d+\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}$/);
    const shown = await dlq('show', entry.id);
    assert.equal(shown.code, 0, shown.stderr);
    const detail = JSON.parse(shown.stdout) as Record<string, any>;
    assert.equal(detail.records.length, 1);
    assert.equal(detail.records[0].partitionKey, USER);
    assert.equal(detail.records[0].data.event.eventId, 'dlq-order-1');
    assert.equal(detail.metadata.requestContext.condition, 'RetryAttemptsExhausted');

    // The cause is fixed; replay puts the record back into the events stream and the tagger applies it.
    storeRefusesUser = false;
    const replayed = await dlq('replay', entry.id);
    assert.equal(replayed.code, 0, replayed.stderr + replayed.stdout);
    const [outcome] = lines(replayed.stdout);
    assert.deepEqual([outcome!.records, outcome!.failed, outcome!.replayedAs], [1, [], `${REPLAYED_PREFIX}${entry.id}`]);
    const user = await waitFor(async () => {
      const u = await orders();
      return u?.stats.orders === 1 ? u : null;
    }, 'the replayed order in the profile');
    assert.equal(user.stats.revenue, 250);
    assert.equal(user.events.edges.length, 1);

    // Moved, not replayed twice by accident: it is no longer listed, and replaying the old id fails.
    await access(join(stack.dataDir, 'dead-letters', ...`${REPLAYED_PREFIX}${entry.id}`.split('/')));
    assert.deepEqual(lines((await dlq('list')).stdout), []);
    assert.deepEqual(await stack.deadLetters.get('tagger')!.list(), []);
    const again = await dlq('replay', entry.id);
    assert.equal(again.code, 1);
    const all = await dlq('replay', '--all');
    assert.equal(all.code, 0, 'nothing pending: --all replays nothing');
    assert.deepEqual(lines(all.stdout), []);
    await new Promise((r) => setTimeout(r, 500));
    const final = await orders();
    assert.equal(final?.stats.orders, 1, 'the order counted once');
  });
});
