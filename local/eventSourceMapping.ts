import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type _Record } from '@aws-sdk/client-kinesis';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { kinesis } from '../core/aws/kinesis.js';
import type { StreamSourceSettings } from '../core/platform/definitions.js';
import type { DeadLetterStore } from './deadLetters.js';
import { toKinesisEvent } from './kinesisEvent.js';
import { localLog } from './log.js';
import { sleep } from '../core/platform/sleep.js';
import { shardReadBudget } from './shardReadBudget.js';
import { putsTo, sleepUntilPut } from './streamWakeups.js';

export type KinesisHandler = (event: KinesisStreamEvent) => Promise<KinesisStreamBatchResponse | void>;

export interface EventSourceMappingOptions {
  functionName: string;
  streamName: string;
  settings: StreamSourceSettings;
  handler: KinesisHandler;
  deadLetters: DeadLetterStore;
  /** Folder for per-shard checkpoints, so a restart resumes where it stopped. */
  checkpointDir: string;
  /**
   * Longest pause between polls of an empty shard; a put by this process ends it at once (local/streamWakeups.ts).
   * Lambda polls a shared-throughput shard about once a second, as here by default.
   */
  idlePollMs?: number;
  /** Pause before a retry of a failed batch. */
  retryDelayMs?: number;
  region?: string;
}

/**
 * Plays Lambda's Kinesis event source mapping for one function: one poller per shard, batches of at most
 * `batchSize` gathered for up to the batching window, the `batchItemFailures` partial response (retry from the
 * earliest failed record), bounded retries, bisect on error, maximum record age, and an on-failure destination.
 *
 * What it does when retries run out: with `bisectBatchOnError` the failing batch is split in two and each half
 * gets its own retries, down to single records; a record that still fails goes to the dead-letter store (the
 * document Lambda's S3 on-failure destination writes, records included) and the shard moves on, so one poison record never blocks the records behind it.
 */
export class EventSourceMapping {
  private running = false;
  /** Ends the pollers' waits when the mapping stops. */
  private stopping = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<string>();
  /** Batches handed to the function so far (for tests and benchmarks). */
  invocations = 0;

  constructor(private readonly options: EventSourceMappingOptions) {}

  private get arn(): string {
    return `arn:aws:kinesis:${this.options.region ?? 'us-east-1'}:000000000000:stream/${this.options.streamName}`;
  }

  async start(): Promise<void> {
    this.running = true;
    this.stopping = new AbortController();
    await mkdir(this.options.checkpointDir, { recursive: true });
    const shards = await kinesis().send(new ListShardsCommand({ StreamName: this.options.streamName }));
    for (const shard of shards.Shards ?? []) this.loops.push(this.pollShard(shard.ShardId!));
  }

  /** Stops polling after the batch in progress finishes. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    await Promise.allSettled(this.loops);
  }

  /** True when no batch is being processed (used by tests to wait for quiescence). */
  get idle(): boolean {
    return this.inFlight.size === 0;
  }

  private checkpointFile(shardId: string): string {
    return join(this.options.checkpointDir, `${this.options.functionName}.${shardId}.json`);
  }

  private async readCheckpoint(shardId: string): Promise<string | undefined> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.checkpointFile(shardId), 'utf8'));
      return typeof (parsed as { sequenceNumber?: unknown }).sequenceNumber === 'string'
        ? (parsed as { sequenceNumber: string }).sequenceNumber
        : undefined;
    } catch {
      return undefined;
    }
  }

  private async iterator(shardId: string): Promise<string> {
    const checkpoint = await this.readCheckpoint(shardId);
    const res = await kinesis().send(
      new GetShardIteratorCommand({
        StreamName: this.options.streamName,
        ShardId: shardId,
        ...(checkpoint
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: checkpoint }
          : { ShardIteratorType: this.options.settings.startingPosition }),
      }),
    );
    return res.ShardIterator!;
  }

  private async pollShard(shardId: string): Promise<void> {
    const { settings } = this.options;
    let iterator: string | undefined;
    let buffer: _Record[] = [];
    let firstBufferedAt = 0;
    const stream = this.options.streamName;
    const windowMs = (settings.localMaxBatchingWindowSeconds ?? settings.maxBatchingWindowSeconds) * 1000;
    // Pushed records for an enhanced fan-out consumer; polls in turn with the shard's other readers otherwise.
    const pushed = settings.fanOut === 'ENHANCED';
    const budget = shardReadBudget(stream, shardId, settings.fanOut);
    while (this.running) {
      try {
        iterator ??= await this.iterator(shardId);
        const limit = settings.batchSize - buffer.length;
        const turn = budget.reserve();
        if (turn > 0) await this.pause(turn);
        if (!this.running) break;
        const putsBefore = putsTo(stream, shardId);
        const res = await kinesis().send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
        iterator = res.NextShardIterator;
        const records = res.Records ?? [];
        budget.charge(records);
        if (records.length && buffer.length === 0) firstBufferedAt = Date.now();
        buffer.push(...records);
        if (buffer.length >= settings.batchSize || (buffer.length > 0 && Date.now() - firstBufferedAt >= windowMs)) {
          const batch = buffer;
          buffer = [];
          this.inFlight.add(shardId);
          try {
            await this.deliver(shardId, batch);
            await writeFile(this.checkpointFile(shardId), JSON.stringify({ sequenceNumber: batch[batch.length - 1]!.SequenceNumber }));
          } finally {
            this.inFlight.delete(shardId);
          }
        }
        if (!iterator) break; // the shard was closed
        // Read again at once only when the shard may hold more: a full read, or (pushed) a put since this read
        // began. Otherwise wait for the batching window to close on the records that wait in it, or for the next
        // poll, which a put brings forward for a pushed consumer only: Lambda polls a shared shard once a second.
        if (records.length < limit) {
          const waitMs = buffer.length ? Math.max(0, firstBufferedAt + windowMs - Date.now()) : (this.options.idlePollMs ?? 1000);
          if (pushed) await sleepUntilPut(stream, shardId, waitMs, putsBefore, this.stopping.signal);
          else await this.pause(waitMs);
        }
      } catch (err) {
        if (!this.running) break;
        localLog.error('poll failed', { function: this.options.functionName, shardId, error: (err as Error).message });
        iterator = undefined;
        buffer = [];
        await sleep(500);
      }
    }
  }

  /** Waits `ms`, or less if the mapping stops. */
  private pause(ms: number): Promise<void> {
    const { signal } = this.stopping;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Hands one batch to the function until every record succeeded or went to the dead-letter store. */
  private async deliver(shardId: string, batch: _Record[]): Promise<void> {
    const { settings } = this.options;
    const pending: _Record[][] = [batch];
    while (pending.length > 0) {
      let records = pending.shift()!;
      let attempts = 0;
      while (records.length > 0) {
        const tooOld = records.filter((r) => Date.now() - (r.ApproximateArrivalTimestamp?.getTime() ?? Date.now()) > settings.maxRecordAgeSeconds * 1000);
        if (tooOld.length) {
          await this.deadLetter(shardId, tooOld, 'RecordAgeExceeded', attempts, 'record older than MaximumRecordAgeInSeconds');
          records = records.filter((r) => !tooOld.includes(r));
          if (!records.length) break;
        }
        attempts++;
        this.invocations++;
        let error: string;
        try {
          const response = await this.options.handler(toKinesisEvent(records, { shardId, streamArn: this.arn, functionName: this.options.functionName, region: this.options.region }));
          const failures = response?.batchItemFailures ?? [];
          if (failures.length === 0) break;
          // Lambda resumes from the earliest reported record; an unknown or empty identifier fails the whole batch.
          const ids = new Set(failures.map((f) => f.itemIdentifier));
          const index = records.findIndex((r) => ids.has(r.SequenceNumber!));
          records = index >= 0 ? records.slice(index) : records;
          error = 'PartialBatchFailure';
        } catch (err) {
          error = (err as Error).message || 'FunctionError';
        }
        if (attempts > settings.retryAttempts) {
          if (settings.bisectBatchOnError && records.length > 1) {
            const mid = Math.ceil(records.length / 2);
            pending.unshift(records.slice(0, mid), records.slice(mid));
          } else {
            await this.deadLetter(shardId, records, 'RetryAttemptsExhausted', attempts, error);
          }
          break;
        }
        await sleep((this.options.retryDelayMs ?? 100) * attempts);
      }
    }
  }

  /**
   * Sends records to the on-failure destination as Lambda's S3 destination does: the batch's metadata plus, in
   * `payload`, the invocation event carrying the records themselves (so they outlive the stream's retention).
   */
  private async deadLetter(shardId: string, records: _Record[], condition: string, attempts: number, error: string): Promise<void> {
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const region = this.options.region ?? 'us-east-1';
    const event = toKinesisEvent(records, { shardId, streamArn: this.arn, functionName: this.options.functionName, region });
    await this.options.deadLetters.put({
      requestContext: {
        requestId: `${shardId}:${first.SequenceNumber}`,
        functionArn: `arn:aws:lambda:${region}:000000000000:function:${this.options.functionName}`,
        condition,
        approximateInvokeCount: attempts,
      },
      // Lambda leaves the response out for a batch it never invoked.
      ...(attempts > 0 ? { responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: error } } : {}),
      version: '1.0',
      timestamp: new Date().toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.SequenceNumber!,
        endSequenceNumber: last.SequenceNumber!,
        approximateArrivalOfFirstRecord: first.ApproximateArrivalTimestamp?.toISOString() ?? '',
        approximateArrivalOfLastRecord: last.ApproximateArrivalTimestamp?.toISOString() ?? '',
        batchSize: records.length,
        streamArn: this.arn,
      },
      payload: JSON.stringify(event),
    });
  }
}
