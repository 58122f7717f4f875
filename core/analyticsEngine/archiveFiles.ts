import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARCHIVE_FILE_SUFFIX, ARCHIVE_PREFIX, type ArchiveFiles } from '../analytics/archive/files.js';
import { walkFiles } from '../platform/walkFiles.js';

/**
 * The archive in a folder (the local runtime's `<data dir>/archive`): keys are paths below it. Writes go through a
 * hidden temporary file and a rename, so a reader (DuckDB's glob) never sees half a file.
 */
export class FolderArchiveFiles implements ArchiveFiles {
  constructor(readonly root: string) {}

  private path(key: string): string {
    if (!key.startsWith(ARCHIVE_PREFIX) || key.split('/').includes('..')) throw new Error(`bad archive key ${key}`);
    return join(this.root, ...key.split('/'));
  }

  async list(): Promise<string[]> {
    const files = await walkFiles(join(this.root, ARCHIVE_PREFIX));
    return files.filter((f) => f.endsWith(ARCHIVE_FILE_SUFFIX)).map((f) => relative(this.root, f).split(sep).join('/')).sort();
  }

  async read(key: string): Promise<Uint8Array> {
    return readFile(this.path(key));
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.tmp`);
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }
}

/**
 * The archive named by `ARCHIVE_STORE`: `s3://<bucket>` on AWS (the stage's archive bucket), `file://<folder>`
 * locally (the data dir's `archive` folder).
 *
 * @example
 * const files = archiveFilesOf(requireEnv('ARCHIVE_STORE'));
 */
export function archiveFilesOf(url: string): ArchiveFiles {
  if (url.startsWith('s3://')) return s3ArchiveFilesOnFirstUse(url.slice('s3://'.length).replace(/\/$/, ''));
  if (url.startsWith('file://')) return new FolderArchiveFiles(fileURLToPath(url));
  throw new Error(`ARCHIVE_STORE must be s3://<bucket> or file://<folder>, not ${JSON.stringify(url)}`);
}

/**
 * The S3 archive, with the S3 client loaded on the first call: the client is a large module, and most of the graphql
 * function's cold starts never reach the archive.
 */
function s3ArchiveFilesOnFirstUse(bucket: string): ArchiveFiles {
  let files: Promise<ArchiveFiles> | undefined;
  const load = () => (files ??= import('./s3ArchiveFiles.js').then(({ S3ArchiveFiles }) => S3ArchiveFiles.of(bucket)));
  return {
    list: async () => (await load()).list(),
    read: async (key) => (await load()).read(key),
    write: async (key, bytes) => (await load()).write(key, bytes),
    remove: async (key) => (await load()).remove(key),
  };
}
