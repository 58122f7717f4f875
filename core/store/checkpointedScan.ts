import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../aws/clients.js';
import { getJob, putJob } from './jobs.js';

/** Where and how {@link checkpointedScan} scans, and where it keeps its checkpoints. */
export interface CheckpointedScanOptions {
  /** The table to scan. */
  table: string;
  /** The jobs table (partition key `job`) that holds one checkpoint per segment. */
  jobsTable: string;
  /**
   * The run's identity: each segment's checkpoint is the jobs item `<job>#<segment>`, e.g. `sweep#<runId>#0`.
   * Running again with the same `job` continues from the checkpoints.
   */
  job: string;
  /** Parallel scan segments; each is scanned concurrently and checkpointed on its own. */
  totalSegments: number;
  /** Items per Scan page (a checkpoint is written after each page). Default 200. */
  pageSize?: number;
  /** Extra attributes stored with every checkpoint, for whoever inspects the jobs table (e.g. the run's `asOf`). */
  checkpointAttributes?: Record<string, unknown>;
}

/** What one {@link checkpointedScan} call did. */
export interface CheckpointedScanResult {
  /** Items handed to `onPage` by this call (pages before a resumed checkpoint are not counted). */
  items: number;
  pages: number;
  /** Segments whose checkpoint already said `done`, skipped entirely. */
  segmentsAlreadyDone: number;
  /** Segments that continued from a saved `lastKey`. */
  segmentsResumed: number;
}

/** The checkpoint item key of one segment of a run. */
export const checkpointKey = (job: string, segment: number): string => `${job}#${segment}`;

/**
 * A DynamoDB parallel scan (`Segment` / `TotalSegments`) that checkpoints each segment in the jobs table after every
 * page (`lastKey`, `done`), so a run cut short (a Lambda timeout, a crash) resumes where it stopped when it is
 * started again with the same `job`. A segment whose checkpoint says `done` is skipped.
 *
 * `onPage` runs before the page's checkpoint is written: a page is processed at least once, so its processing must
 * be idempotent.
 *
 * @example
 * ```ts
 * await checkpointedScan(
 *   { table: profilesTable, jobsTable, job: `sweep#${runId}`, totalSegments: 4, checkpointAttributes: { asOf } },
 *   async (items) => { for (const item of items) await visit(fromItem(item)); },
 * );
 * ```
 */
export async function checkpointedScan(
  options: CheckpointedScanOptions,
  onPage: (items: Array<Record<string, unknown>>, segment: number) => Promise<void>,
): Promise<CheckpointedScanResult> {
  if (!Number.isInteger(options.totalSegments) || options.totalSegments < 1) {
    throw new Error(`totalSegments must be a positive integer, got ${options.totalSegments}`);
  }
  const result: CheckpointedScanResult = { items: 0, pages: 0, segmentsAlreadyDone: 0, segmentsResumed: 0 };
  await Promise.all(
    Array.from({ length: options.totalSegments }, (_, segment) => scanSegment(options, segment, onPage, result)),
  );
  return result;
}

async function scanSegment(
  options: CheckpointedScanOptions,
  segment: number,
  onPage: (items: Array<Record<string, unknown>>, segment: number) => Promise<void>,
  result: CheckpointedScanResult,
): Promise<void> {
  const job = checkpointKey(options.job, segment);
  const saved = await getJob(options.jobsTable, job, { consistentRead: true });
  if (saved?.done) {
    result.segmentsAlreadyDone++;
    return;
  }
  const start = saved?.lastKey as Record<string, unknown> | undefined;
  if (start) result.segmentsResumed++;
  // The SDK paginator does the paging (it starts at the saved key and stops after the page without a
  // LastEvaluatedKey); each page's LastEvaluatedKey is also persisted, as the checkpoint a later run resumes from.
  const pages = paginateScan(
    { client: dynamo(), pageSize: options.pageSize ?? 200, startingToken: start },
    { TableName: options.table, Segment: segment, TotalSegments: options.totalSegments },
  );
  for await (const page of pages) {
    const items = page.Items ?? [];
    if (items.length > 0) await onPage(items, segment);
    result.items += items.length;
    result.pages++;
    const lastKey = page.LastEvaluatedKey;
    await putJob(options.jobsTable, { ...options.checkpointAttributes, job, lastKey, done: !lastKey });
  }
}
