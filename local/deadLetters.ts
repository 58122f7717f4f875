import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { localLog } from './log.js';

/** What Lambda sends to a Kinesis mapping's on-failure destination (SQS/SNS): batch metadata, not the records. */
export interface OnFailureRecord {
  requestContext: { requestId: string; functionArn: string; condition: string; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  version: string;
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

/**
 * The local on-failure destination: one JSON line per failed batch in a file under the data dir, listed and
 * replayed with `npm run dlq`. On AWS the same records land in the mapping's SQS queue.
 */
export class DeadLetterStore {
  constructor(readonly file: string) {}

  async put(record: OnFailureRecord): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await appendFile(this.file, JSON.stringify(record) + '\n');
    localLog.error('dead-lettered', {
      function: record.requestContext.functionArn.split(':').pop(),
      condition: record.requestContext.condition,
      records: record.KinesisBatchInfo.batchSize,
      shardId: record.KinesisBatchInfo.shardId,
      error: record.responseContext.functionError,
    });
  }

  async list(): Promise<OnFailureRecord[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as OnFailureRecord);
  }
}
