/**
 * The event archive as files: one Parquet file (`parquet.ts`) per archived batch and event date, under
 * `events/dt=YYYY-MM-DD/` (the Athena table's partitions; the local DuckDB view's glob). The archiver writes them,
 * erasure rewrites them without a person's rows (`erase.ts`), and export reads a person's rows back
 * (docs/architecture.md, "Event archive").
 *
 * Why whole files per batch, named after the batch's first record: a retried batch rewrites its own file instead
 * of adding a second copy, and the queries keep one row per event id for the copies that bisection can still make.
 */
import type { ArchiveRecord } from './record.js';

/** Where the archive's files are: an S3 bucket on AWS, a folder of the data dir locally. Keys use `/`. */
export interface ArchiveFiles {
  /** Every archive file's key (`events/dt=2026-01-02/<name>.parquet`). */
  list(): Promise<string[]>;
  read(key: string): Promise<Uint8Array>;
  /** Writes (or replaces) a whole file. */
  write(key: string, bytes: Uint8Array): Promise<void>;
  remove(key: string): Promise<void>;
}

/** The stack output naming a stage's archive bucket (`npm run archive -- --stage NAME` reads it). */
export const ARCHIVE_BUCKET_OUTPUT = 'ArchiveBucketName';

/** The prefix of every archive file: the Athena table's location below the bucket. */
export const ARCHIVE_PREFIX = 'events/';

/** Every archive file's name ends so. */
export const ARCHIVE_FILE_SUFFIX = '.parquet';

/**
 * The key of one batch's rows of one date.
 *
 * @example
 * archiveFileKey('2011-01-04', 'shardId-000000000000-4960…') // 'events/dt=2011-01-04/shardId-000000000000-4960….parquet'
 */
export function archiveFileKey(dt: string, name: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) throw new RangeError(`bad partition date "${dt}"`);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`bad archive file name "${name}"`);
  return `${ARCHIVE_PREFIX}dt=${dt}/${name}${ARCHIVE_FILE_SUFFIX}`;
}

/**
 * Whose a row is, by every id it carries: a person given as their profile ids (`u1`, `anon:v1`) owns a row by its
 * person id, its user id, or its anonymous id.
 */
function ownedBy(row: Partial<ArchiveRecord>, ids: ReadonlySet<string>): boolean {
  return (
    (typeof row.person_id === 'string' && ids.has(row.person_id)) ||
    (typeof row.user_id === 'string' && ids.has(row.user_id)) ||
    (typeof row.anonymous_id === 'string' && ids.has(`anon:${row.anonymous_id}`))
  );
}

/**
 * A file's rows, decoded from its bytes. A file that cannot be read throws with its key: erasure must not pass
 * over rows it could not look at, and a replay must not skip a day silently.
 *
 * @example
 * const rows = await archiveRowsOf(key, await files.read(key));
 */
export async function archiveRowsOf(key: string, bytes: Uint8Array, columns?: ReadonlyArray<keyof ArchiveRecord>): Promise<Partial<ArchiveRecord>[]> {
  // The Parquet reader is loaded with the first file read (exports, erasure, replays), not by every cold start.
  const { decodeArchiveFile } = await import('./parquetRead.js');
  try {
    return await decodeArchiveFile(bytes, columns);
  } catch (e) {
    throw new Error(`archive file ${key} cannot be read: ${(e as Error).message}`, { cause: e });
  }
}

/** A file's rows ({@link archiveRowsOf} of what `files` holds at `key`). */
export async function readArchiveFile(files: ArchiveFiles, key: string): Promise<Partial<ArchiveRecord>[]> {
  return archiveRowsOf(key, await files.read(key));
}

/** The columns {@link ownedBy} reads: a file is first decoded with these only, to pass over files of other people. */
const ID_COLUMNS = ['person_id', 'user_id', 'anonymous_id'] as const;

/** Every file, split into the person's rows and the rest; files without the person's rows are not yielded. */
export async function* filesNaming(files: ArchiveFiles, ids: ReadonlySet<string>): AsyncGenerator<{ key: string; theirs: Partial<ArchiveRecord>[]; rest: Partial<ArchiveRecord>[] }> {
  for (const key of await files.list()) {
    const bytes = await files.read(key);
    if (!(await archiveRowsOf(key, bytes, ID_COLUMNS)).some((row) => ownedBy(row, ids))) continue;
    const theirs: Partial<ArchiveRecord>[] = [];
    const rest: Partial<ArchiveRecord>[] = [];
    for (const row of await archiveRowsOf(key, bytes)) (ownedBy(row, ids) ? theirs : rest).push(row);
    yield { key, theirs, rest };
  }
}

/**
 * A person's archived events, oldest first, one per event id (the copies a redelivery made are one event).
 *
 * @example
 * (await archivedEventsOf(files, ['u1'])).length // every event u1 ever sent, as archived
 */
export async function archivedEventsOf(files: ArchiveFiles, profileIds: readonly string[]): Promise<Partial<ArchiveRecord>[]> {
  const ids = new Set(profileIds);
  const byId = new Map<string, Partial<ArchiveRecord>>();
  for await (const { theirs } of filesNaming(files, ids)) {
    for (const row of theirs) if (typeof row.event_id === 'string' && !byId.has(row.event_id)) byId.set(row.event_id, row);
  }
  return [...byId.values()].sort((a, b) => Number(a.ts) - Number(b.ts));
}
