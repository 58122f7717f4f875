import type { PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { putRecordsWithRetry, type PutOutcome } from '../streams/putRecords.js';
import { functionNameOf, parseFailureDocument, recordsOf, streamNameOf, type FailureDocument } from './document.js';

/**
 * Where dead letters are kept: the stage's S3 bucket on AWS ({@link S3DeadLetterSource}), files under the data
 * folder locally (`local/deadLetters.ts`). Ids are object keys (relative paths locally).
 */
export interface DeadLetterSource {
  /** Ids of the dead letters not replayed yet, oldest first. */
  list(): Promise<string[]>;
  /** The raw document. */
  readText(id: string): Promise<string>;
  /** Moves a replayed dead letter out of the pending set (under `replayed/`); returns its new id. */
  markReplayed(id: string): Promise<string>;
  /** Ids of every dead letter, pending and replayed (erasure visits both). */
  listAll(): Promise<string[]>;
  /** Replaces a document (erasure rewrites one without a person's records). */
  writeText(id: string, text: string): Promise<void>;
  /** Deletes a document. */
  remove(id: string): Promise<void>;
}

export async function readDocument(source: DeadLetterSource, id: string): Promise<FailureDocument> {
  return parseFailureDocument(await source.readText(id), id);
}

/** Pending dead letters with their documents, optionally only those of one function (physical or logical name). */
export async function listDocuments(
  source: DeadLetterSource,
  functionName?: string,
): Promise<Array<{ id: string; doc: FailureDocument }>> {
  const out: Array<{ id: string; doc: FailureDocument }> = [];
  for (const id of await source.list()) {
    const doc = await readDocument(source, id);
    const fn = functionNameOf(doc);
    if (functionName === undefined || fn === functionName || fn.endsWith(`-${functionName}`)) out.push({ id, doc });
  }
  return out;
}

export interface ReplayOutcome {
  id: string;
  stream: string;
  records: number;
  /** Records Kinesis did not take after every retry; when non-empty the dead letter stays pending. */
  failed: PutOutcome['failed'];
  /** The dead letter's id after the move (when every record was put back). */
  replayedAs?: string;
}

/** PutRecords with retries; `putRecordsWithRetry` unless a test supplies another. */
export type PutRecords = (stream: string, entries: PutRecordsRequestEntry[]) => Promise<PutOutcome>;

/**
 * Puts a dead letter's records back into the stream they came from, in their order and with their partition keys
 * (so they land on the shard their neighbours are on), then moves the dead letter under `replayed/` so it is not
 * replayed twice by accident. Consumers are idempotent (event ids and sequence watermarks), so a record that was
 * partly applied before it failed, or a replay repeated after a crash, changes nothing twice.
 *
 * @example
 * await replayDeadLetter(new S3DeadLetterSource(s3, bucket), 'aws/lambda/…/2026-11-20T10.00.05-…');
 */
export async function replayDeadLetter(
  source: DeadLetterSource,
  id: string,
  put: PutRecords = putRecordsWithRetry,
): Promise<ReplayOutcome> {
  const doc = await readDocument(source, id);
  const records = recordsOf(doc, id);
  const stream = streamNameOf(doc);
  const outcome = await put(
    stream,
    records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data })),
  );
  if (outcome.failed.length > 0) return { id, stream, records: records.length, failed: outcome.failed };
  return { id, stream, records: records.length, failed: [], replayedAs: await source.markReplayed(id) };
}
