import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
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

/** The archive in the stage's S3 bucket: keys as in the folder (Parquet compresses its own pages). */
export class S3ArchiveFiles implements ArchiveFiles {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  async list(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: ARCHIVE_PREFIX, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith(ARCHIVE_FILE_SUFFIX)) keys.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async read(key: string): Promise<Uint8Array> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!res.Body) throw new Error(`s3://${this.bucket}/${key}: empty object`);
    return res.Body.transformToByteArray();
  }

  async write(key: string, bytes: Uint8Array): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: bytes, ContentType: 'application/vnd.apache.parquet' }));
  }

  async remove(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
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
  if (url.startsWith('s3://')) return new S3ArchiveFiles(new S3Client({}), url.slice('s3://'.length).replace(/\/$/, ''));
  if (url.startsWith('file://')) return new FolderArchiveFiles(fileURLToPath(url));
  throw new Error(`ARCHIVE_STORE must be s3://<bucket> or file://<folder>, not ${JSON.stringify(url)}`);
}
