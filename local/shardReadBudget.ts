import type { _Record } from '@aws-sdk/client-kinesis';

/*
 * A Kinesis shard's read limits, played for the local event source mappings (the choice is each mapping's
 * `fanOut` in core/platform/definitions.ts). Shared-throughput consumers poll, and all of them together get a
 * shard's 5 GetRecords a second and 2 MB a second; an enhanced fan-out consumer has 2 MB a second of its own and is
 * pushed to (local/streamWakeups.ts). Where Kinesis would answer ReadProvisionedThroughputExceeded and Lambda would
 * back off, a read here waits for its turn: the same pace, without the error.
 */

/** GetRecords calls a second that one shard serves to all its shared-throughput consumers together. */
export const SHARED_READS_PER_SECOND = 5;
/** Bytes a second a shard serves: shared by the polling consumers, each enhanced fan-out consumer's own. */
export const READ_BYTES_PER_SECOND = 2 * 1024 * 1024;

/** When the next read of a shard may start, for the consumers that share it. */
export class ShardReadBudget {
  private nextReadAt = 0;
  private bytesFreeAt = 0;

  /** `readsPerSecond`: the call limit, none for a pushed (enhanced fan-out) consumer. */
  constructor(private readonly readsPerSecond?: number) {}

  /** Takes the next read's turn: the milliseconds to wait before making it. */
  reserve(now = Date.now()): number {
    const at = Math.max(now, this.nextReadAt, this.bytesFreeAt);
    if (this.readsPerSecond) this.nextReadAt = at + 1000 / this.readsPerSecond;
    return at - now;
  }

  /** Counts what a read returned against the bytes a second: a big read delays the next one. */
  charge(records: ReadonlyArray<Pick<_Record, 'Data' | 'PartitionKey'>>, now = Date.now()): void {
    let bytes = 0;
    for (const r of records) bytes += (r.Data?.byteLength ?? 0) + (r.PartitionKey?.length ?? 0);
    this.bytesFreeAt = Math.max(now, this.bytesFreeAt) + (bytes * 1000) / READ_BYTES_PER_SECOND;
  }
}

const sharedBudgets = new Map<string, ShardReadBudget>();

/**
 * The budget a mapping reads a shard under: for `SHARED`, the one every shared consumer of that shard in this
 * process takes turns from; for `ENHANCED`, a budget of the mapping's own.
 *
 * @example
 * const budget = shardReadBudget(stream, shardId, settings.fanOut);
 */
export function shardReadBudget(stream: string, shardId: string, fanOut: 'ENHANCED' | 'SHARED' = 'SHARED'): ShardReadBudget {
  if (fanOut === 'ENHANCED') return new ShardReadBudget();
  const key = `${stream}/${shardId}`;
  let budget = sharedBudgets.get(key);
  if (!budget) sharedBudgets.set(key, (budget = new ShardReadBudget(SHARED_READS_PER_SECOND)));
  return budget;
}
