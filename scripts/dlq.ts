import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { kinesis } from '../core/aws/clients.js';
import { compareSequence } from '../core/profile/fold.js';
import { FUNCTIONS, type FunctionName } from '../core/platform/definitions.js';
import { DeadLetterStore, type OnFailureRecord } from '../local/deadLetters.js';
import { toKinesisEvent } from '../local/kinesisEvent.js';
import { startLocalStack } from '../local/localStack.js';

/*
 * Inspect and replay the local on-failure destination.
 *   npm run dlq -- list   [--function tagger] [--data-dir ./.data]
 *   npm run dlq -- replay [--function tagger] [--data-dir ./.data]   (with `npm start` stopped: it opens the data)
 * Replay reads each failed batch's records back from the stream by sequence number (as one would from an SQS
 * on-failure record on AWS) and invokes the function with them; entries that now succeed leave the store.
 */
const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const command = args[0] ?? 'list';
const fn = flag('function', 'tagger') as FunctionName;
const dataDir = resolve(flag('data-dir', process.env.OPSGRAPH_DATA_DIR ?? './.data'));
if (!(fn in FUNCTIONS)) throw new Error(`unknown function ${fn}`);
const store = new DeadLetterStore(join(dataDir, 'dead-letters', `${fn}.jsonl`));
const entries = await store.list();

if (command === 'list') {
  for (const [i, e] of entries.entries()) {
    const b = e.KinesisBatchInfo;
    console.log(JSON.stringify({ index: i, condition: e.requestContext.condition, error: e.responseContext.functionError, shardId: b.shardId, start: b.startSequenceNumber, end: b.endSequenceNumber, records: b.batchSize, at: e.timestamp }));
  }
  console.error(`${entries.length} failed batch(es) for ${fn}`);
} else if (command === 'replay') {
  const stack = await startLocalStack({ port: 0, dataDir });
  for (const m of stack.mappings.values()) await m.stop();
  const definition = FUNCTIONS[fn];
  const { handler } = (await import(pathToFileURL(resolve(definition.entry)).href)) as {
    handler: (e: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;
  };
  const remaining: OnFailureRecord[] = [];
  for (const entry of entries) {
    const b = entry.KinesisBatchInfo;
    const streamName = b.streamArn.split('/').pop()!;
    const it = await kinesis().send(
      new GetShardIteratorCommand({ StreamName: streamName, ShardId: b.shardId, ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: b.startSequenceNumber }),
    );
    const res = await kinesis().send(new GetRecordsCommand({ ShardIterator: it.ShardIterator, Limit: 10_000 }));
    const records = (res.Records ?? []).filter((r) => compareSequence(r.SequenceNumber!, b.endSequenceNumber) <= 0);
    const event = toKinesisEvent(records, { shardId: b.shardId, streamArn: b.streamArn, functionName: fn });
    try {
      const out = await handler(event);
      const failures = out?.batchItemFailures ?? [];
      if (records.length === 0 || failures.length > 0) remaining.push(entry);
      console.log(JSON.stringify({ start: b.startSequenceNumber, records: records.length, stillFailing: failures.length }));
    } catch (err) {
      remaining.push(entry);
      console.log(JSON.stringify({ start: b.startSequenceNumber, error: (err as Error).message }));
    }
  }
  await writeFile(store.file, remaining.map((e) => JSON.stringify(e) + '\n').join(''));
  console.error(`${entries.length - remaining.length} replayed, ${remaining.length} still failing`);
  await stack.close();
} else {
  console.error('usage: npm run dlq -- list|replay [--function tagger] [--data-dir DIR]');
  process.exitCode = 2;
}
