/**
 * The event archive as files: one NDJSON file per archived batch and event date, under `events/dt=YYYY-MM-DD/`
 * (the Athena table's partitions; the local DuckDB view's glob). The archiver writes them, erasure rewrites them
 * without a person's rows, and export reads a person's rows back (docs/architecture.md, "Analytics").
 *
 * Why whole files per batch, named after the batch's first record: a retried batch rewrites its own file instead
 * of adding a second copy, and the queries keep one row per event id for the copies that bisection can still make.
 */
import type { ArchiveRecord } from './record.js';

/** Where the archive's files are: an S3 bucket on AWS, a folder of the data dir locally. Keys use `/`. */
export interface ArchiveFiles {
  /** Every archive file's key (`events/dt=2026-01-02/<name>.ndjson`). */
  list(): Promise<string[]>;
  read(key: string): Promise<string>;
  /** Writes (or replaces) a whole file. */
  write(key: string, text: string): Promise<void>;
  remove(key: string): Promise<void>;
}

/** The stack output naming a stage's archive bucket (`npm run archive -- --stage NAME` reads it). */
export const ARCHIVE_BUCKET_OUTPUT = 'ArchiveBucketName';

/** The prefix of every archive file: the Athena table's location below the bucket. */
export const ARCHIVE_PREFIX = 'events/';

/**
 * The key of one batch's rows of one date.
 *
 * @example
 * archiveFileKey('2011-01-04', 'shardId-000000000000-4960…') // 'events/dt=2011-01-04/shardId-000000000000-4960….ndjson'
 */
export function archiveFileKey(dt: string, name: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dt)) throw new RangeError(`bad partition date "${dt}"`);
  if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new RangeError(`bad archive file name "${name}"`);
  return `${ARCHIVE_PREFIX}dt=${dt}/${name}.ndjson`;
}

/** Rows as NDJSON text (one JSON object a line, newline-terminated). */
export function toNdjson(rows: readonly ArchiveRecord[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
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

/** A file's lines split into the person's rows and the rest (lines kept as written). */
function splitFile(text: string, ids: ReadonlySet<string>): { theirs: Partial<ArchiveRecord>[]; rest: string[] } {
  const theirs: Partial<ArchiveRecord>[] = [];
  const rest: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      rest.push(line); // not a row we can read; never ours to drop
      continue;
    }
    if (row && typeof row === 'object' && ownedBy(row as Partial<ArchiveRecord>, ids)) theirs.push(row as Partial<ArchiveRecord>);
    else rest.push(line);
  }
  return { theirs, rest };
}

/** Files that may hold one of the ids: a cheap text test before any line is parsed. */
async function* filesNaming(files: ArchiveFiles, ids: ReadonlySet<string>): AsyncGenerator<{ key: string; text: string }> {
  // An anonymous id appears in rows bare (`"anonymous_id":"v1"`), a profile id as it is.
  const needles = [...ids].map((id) => JSON.stringify(id.startsWith('anon:') ? id.slice('anon:'.length) : id));
  for (const key of await files.list()) {
    const text = await files.read(key);
    if (needles.some((n) => text.includes(n))) yield { key, text };
  }
}

/**
 * Removes a person's rows from every archive file: a file left empty is deleted, any other rewritten with the
 * rest. Returns the rows removed. Idempotent: a rerun finds nothing more.
 *
 * @example
 * await eraseFromArchive(files, ['u1', 'anon:v1']) // 12
 */
export async function eraseFromArchive(files: ArchiveFiles, profileIds: readonly string[]): Promise<number> {
  const ids = new Set(profileIds);
  let removed = 0;
  for await (const { key, text } of filesNaming(files, ids)) {
    const { theirs, rest } = splitFile(text, ids);
    if (theirs.length === 0) continue;
    removed += theirs.length;
    if (rest.length === 0) await files.remove(key);
    else await files.write(key, rest.join('\n') + '\n');
  }
  return removed;
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
  for await (const { text } of filesNaming(files, ids)) {
    for (const row of splitFile(text, ids).theirs) if (typeof row.event_id === 'string' && !byId.has(row.event_id)) byId.set(row.event_id, row);
  }
  return [...byId.values()].sort((a, b) => Number(a.ts) - Number(b.ts));
}
