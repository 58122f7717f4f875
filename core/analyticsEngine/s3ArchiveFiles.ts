import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ARCHIVE_FILE_SUFFIX, ARCHIVE_PREFIX, type ArchiveFiles } from '../analytics/archive/files.js';

/** The archive in the stage's S3 bucket: keys as in the folder (Parquet compresses its own pages). */
export class S3ArchiveFiles implements ArchiveFiles {
  /** Over a client of its own, with the SDK's defaults (the function's region and role). */
  static of(bucket: string): S3ArchiveFiles {
    return new S3ArchiveFiles(new S3Client({}), bucket);
  }

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
