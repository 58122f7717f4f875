import { readFileSync } from 'node:fs';
import { dynamo } from '../../core/aws/clients.js';
import { kinesis } from '../../core/aws/kinesis.js';
import type { StoredEvent } from '../../core/events/schema.js';
import { processBatch } from '../../core/tagging/processBatch.js';
import { RuleCache } from '../../core/tagging/ruleCache.js';
import { profileEngineTables } from '../../core/tagging/tables.js';
import { engineContext, untilCompleted, untilProcessed } from './journeyRuns.js';
import { record } from './streamRecords.js';

/*
 * One run of the pipeline in a process of its own, for the fault test that kills it with SIGKILL
 * (test/integration/journeysFaults.test.ts). It reaches the test stack's storage through the endpoints and table
 * names in its environment. It hands the batch of trigger events in the file named by its first argument (each
 * trigger twice, as a client resend would) to the tagger and then to the journey engine until it gets through,
 * ticks the timers until every enrollment completed, and says `done` with the number of writes it made.
 *
 * Given a second argument N, it SIGKILLs itself 0–3 ms after sending its Nth write (to DynamoDB or Kinesis), so the
 * write may be cut anywhere on the wire. The next run starts the same work over, with the same sequence numbers, as
 * a Lambda retry would.
 */
const events = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as StoredEvent[];
const killAt = process.argv[3] ? Number(process.argv[3]) : Infinity;
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand', 'PutRecordsCommand', 'PutRecordCommand']);
let writes = 0;
const countWrites = (next: (a: { input: unknown }) => Promise<unknown>, context: { commandName?: string }) => (args: { input: unknown }) => {
  if (WRITES.has(context.commandName ?? '') && ++writes === killAt) {
    // Says what it cut (the test checks the kills spread), then dies while the write is on its way.
    const { TableName, StreamName } = args.input as { TableName?: string; StreamName?: string };
    process.stderr.write(`killed at ${context.commandName} ${TableName ?? StreamName ?? 'batch'}\n`);
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), Math.random() * 3);
  }
  return next(args);
};
dynamo().middlewareStack.add(countWrites as never, { step: 'finalizeRequest', name: 'count-writes' });
kinesis().middlewareStack.add(countWrites as never, { step: 'finalizeRequest', name: 'count-writes' });

const records = [...events, ...events].map((e) => record(e));
const ctx = engineContext();
const rules = await new RuleCache(process.env.RULES_TABLE!, 60).get();
// The tagger first, so the engine's wait for it (core/journeyEngine/onEvents.ts) ends at once.
const tagged = await processBatch(records, profileEngineTables(), rules);
if (tagged.failed.length) throw new Error(`the tagger failed ${tagged.failed.length} records`);
await untilProcessed(ctx, records);
await untilCompleted(ctx, events.map((e) => e.userId!));
process.stdout.write(`done ${writes}\n`);
