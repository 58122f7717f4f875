/**
 * The local event archive's writer: NDJSON files partitioned by event date, the local stand-in for
 * Kinesis → Firehose → S3 (`dt=YYYY-MM-DD/` prefixes, as the Athena table is partitioned).
 *
 * Why NDJSON and appends: a batch of events becomes one append per date it touches (writes scale with partitions,
 * not events), a crash loses at most the batch in flight (which Kinesis redelivers), and DuckDB reads the files
 * with a fixed schema directly. Duplicates from redelivery are harmless: the queries keep one row per event id.
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ArchiveRecord } from '../../core/analytics/archive/record.js';

/** The archive folder under a stack's data folder. */
export function archiveDir(dataDir: string): string {
  return join(dataDir, 'archive', 'events');
}

/**
 * Appends archive records to `<dir>/dt=<date>/part-<writer>.ndjson`.
 *
 * @example
 * ```ts
 * const writer = new LocalArchiveWriter(archiveDir('.data'));
 * await writer.append(events.map((e) => toArchiveRecord(e)));
 * ```
 */
export class LocalArchiveWriter {
  private readonly made = new Set<string>();
  /** Distinguishes this writer's files from other processes' (no two writers append to one file). */
  readonly writerId: string;

  constructor(
    readonly dir: string,
    writerId?: string,
  ) {
    this.writerId = writerId ?? `${process.pid}-${Date.now().toString(36)}`;
  }

  /** Appends records; returns how many were written and to how many partitions. */
  async append(records: readonly ArchiveRecord[]): Promise<{ written: number; partitions: number }> {
    const byDate = new Map<string, string[]>();
    for (const r of records) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(r.dt)) throw new RangeError(`archive record ${r.event_id} has a bad partition date "${r.dt}"`);
      let lines = byDate.get(r.dt);
      if (!lines) byDate.set(r.dt, (lines = []));
      lines.push(JSON.stringify(r));
    }
    for (const [dt, lines] of byDate) {
      const folder = join(this.dir, `dt=${dt}`);
      if (!this.made.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.made.add(folder);
      }
      await appendFile(join(folder, `part-${this.writerId}.ndjson`), `${lines.join('\n')}\n`);
    }
    return { written: records.length, partitions: byDate.size };
  }
}
