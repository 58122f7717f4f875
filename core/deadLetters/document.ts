/**
 * The dead-letter document: what Lambda writes to a Kinesis event source mapping's S3 on-failure destination, one
 * JSON object per failed batch, and what the local runtime writes in the same shape under the data folder.
 *
 * From Lambda's documentation ("Retain discarded batch records for a Kinesis Data Streams event source"): the
 * document has `requestContext`, `responseContext`, `version`, `timestamp` and `KinesisBatchInfo` (as for SQS and
 * SNS destinations), and for S3 destinations also `payload`, "the original invocation record as an escaped JSON
 * string", i.e. the `KinesisStreamEvent` the function was invoked with, whose records carry `partitionKey`,
 * `sequenceNumber` and base64 `data`. Objects are named
 * `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>`.
 */

/** Where Lambda writes dead letters in the bucket (and the local runtime in its folder). */
export const DEAD_LETTER_PREFIX = 'aws/lambda/';

/** The stack output naming a stage's dead-letter bucket (read by `npm run dlq -- … --stage <name>`). */
export const DEAD_LETTER_BUCKET_OUTPUT = 'DeadLetterBucketName';

/** Where `npm run dlq -- replay` moves a dead letter once its records are back in the stream. */
export const REPLAYED_PREFIX = 'replayed/';

export interface KinesisBatchInfo {
  shardId: string;
  startSequenceNumber: string;
  endSequenceNumber: string;
  approximateArrivalOfFirstRecord: string;
  approximateArrivalOfLastRecord: string;
  batchSize: number;
  streamArn: string;
}

/** One failed batch, as Lambda sends it to an on-failure destination. */
export interface FailureDocument {
  requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
  /** Absent when the batch was never invoked (for example, records past the maximum record age). */
  responseContext?: { statusCode: number; executedVersion: string; functionError: string };
  version: string;
  timestamp: string;
  KinesisBatchInfo: KinesisBatchInfo;
  /** S3 destinations only: the invocation event, JSON-encoded (`{"Records":[{"kinesis":{…}}, …]}`). */
  payload?: string;
}

/** A record of a failed batch, ready to be put back into its stream. */
export interface FailedRecord {
  partitionKey: string;
  sequenceNumber: string;
  data: Buffer;
  /** Seconds since the epoch, as in the Lambda event. */
  approximateArrivalTimestamp?: number;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * Parses and checks a dead-letter document; a clear error names what is missing.
 *
 * @example
 * const doc = parseFailureDocument(await body.transformToString());
 */
export function parseFailureDocument(text: string, where = 'dead letter'): FailureDocument {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isObject(parsed)) throw new Error(`${where}: not a JSON object`);
  const req = parsed.requestContext;
  const info = parsed.KinesisBatchInfo;
  if (!isObject(req) || typeof req.functionArn !== 'string' || typeof req.condition !== 'string') {
    throw new Error(`${where}: no requestContext with functionArn and condition`);
  }
  if (!isObject(info) || typeof info.streamArn !== 'string' || typeof info.shardId !== 'string') {
    throw new Error(`${where}: no KinesisBatchInfo with streamArn and shardId (is this a Kinesis mapping's dead letter?)`);
  }
  if (parsed.payload !== undefined && typeof parsed.payload !== 'string') {
    throw new Error(`${where}: payload is not a JSON string`);
  }
  return parsed as unknown as FailureDocument;
}

/**
 * The records of a failed batch, from its payload, in stream order.
 * Throws for a metadata-only document (what SQS and SNS destinations receive): its records are not in it.
 */
export function recordsOf(doc: FailureDocument, where = 'dead letter'): FailedRecord[] {
  if (doc.payload === undefined) {
    throw new Error(
      `${where}: no payload, only the batch's sequence numbers (an SQS/SNS-style record); its records are not in it`,
    );
  }
  let event: unknown;
  try {
    event = JSON.parse(doc.payload);
  } catch (err) {
    throw new Error(`${where}: payload is not JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isObject(event) || !Array.isArray(event.Records)) throw new Error(`${where}: payload has no Records array`);
  return event.Records.map((r: unknown, i): FailedRecord => {
    const k = isObject(r) ? r.kinesis : undefined;
    if (!isObject(k) || typeof k.data !== 'string' || typeof k.partitionKey !== 'string' || typeof k.sequenceNumber !== 'string') {
      throw new Error(`${where}: payload record ${i} lacks kinesis.data, partitionKey or sequenceNumber`);
    }
    return {
      partitionKey: k.partitionKey,
      sequenceNumber: k.sequenceNumber,
      data: Buffer.from(k.data, 'base64'),
      approximateArrivalTimestamp: typeof k.approximateArrivalTimestamp === 'number' ? k.approximateArrivalTimestamp : undefined,
    };
  });
}

/** The stream a dead letter came from: the name in `KinesisBatchInfo.streamArn` (`…:stream/<name>`). */
export function streamNameOf(doc: FailureDocument): string {
  const name = doc.KinesisBatchInfo.streamArn.split(':stream/')[1];
  if (!name) throw new Error(`unexpected stream ARN ${doc.KinesisBatchInfo.streamArn}`);
  return name;
}

/** The function whose mapping gave up on the batch (the last part of `requestContext.functionArn`). */
export function functionNameOf(doc: FailureDocument): string {
  return doc.requestContext.functionArn.split(':function:')[1]?.split(':')[0] ?? doc.requestContext.functionArn;
}

/**
 * The object key Lambda gives a dead letter: `aws/lambda/<mapping id>/<shard id>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<id>`.
 *
 * @example
 * deadLetterKey('3f0c…', 'shardId-000000000000', new Date('2026-11-20T10:00:05Z'), 'a1b2…')
 * // 'aws/lambda/3f0c…/shardId-000000000000/2026/11/20/2026-11-20T10.00.05-a1b2…'
 */
export function deadLetterKey(mappingId: string, shardId: string, at: Date, id: string): string {
  const iso = at.toISOString();
  const day = iso.slice(0, 10);
  return `${DEAD_LETTER_PREFIX}${mappingId}/${shardId}/${day.replaceAll('-', '/')}/${day}T${iso.slice(11, 19).replaceAll(':', '.')}-${id}`;
}

/** One line of `npm run dlq -- list`. */
export interface DeadLetterSummary {
  id: string;
  function: string;
  stream: string;
  condition: string;
  error?: string;
  shardId: string;
  records: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  at: string;
  hasRecords: boolean;
}

export function summarize(id: string, doc: FailureDocument): DeadLetterSummary {
  const b = doc.KinesisBatchInfo;
  return {
    id,
    function: functionNameOf(doc),
    stream: streamNameOf(doc),
    condition: doc.requestContext.condition,
    error: doc.responseContext?.functionError,
    shardId: b.shardId,
    records: b.batchSize,
    firstSequenceNumber: b.startSequenceNumber,
    lastSequenceNumber: b.endSequenceNumber,
    at: doc.timestamp,
    hasRecords: doc.payload !== undefined,
  };
}
