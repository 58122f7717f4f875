import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DEAD_LETTER_PREFIX, REPLAYED_PREFIX } from './document.js';
import type { DeadLetterSource } from './replay.js';

/**
 * Dead letters in the stage's S3 bucket, where Lambda's on-failure destination writes them (under
 * `aws/lambda/`). Replayed ones move to `replayed/<same key>` (copy, then delete), where the bucket's lifecycle
 * rule still expires them.
 *
 * @example
 * const source = new S3DeadLetterSource(new S3Client({}), 'opsgraph-prod-deadletters…');
 */
export class S3DeadLetterSource implements DeadLetterSource {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  list(): Promise<string[]> {
    return this.keys(DEAD_LETTER_PREFIX);
  }

  async listAll(): Promise<string[]> {
    return [...(await this.keys(DEAD_LETTER_PREFIX)), ...(await this.keys(REPLAYED_PREFIX))];
  }

  private async keys(prefix: string): Promise<string[]> {
    const found: Array<{ key: string; at: number }> = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key) found.push({ key: o.Key, at: o.LastModified?.getTime() ?? 0 });
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => a.at - b.at || a.key.localeCompare(b.key)).map((o) => o.key);
  }

  async readText(id: string): Promise<string> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: id }));
    if (!res.Body) throw new Error(`s3://${this.bucket}/${id}: empty object`);
    return res.Body.transformToString('utf8');
  }

  async writeText(id: string, text: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: id, Body: text, ContentType: 'application/json' }));
  }

  async remove(id: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: id }));
  }

  async markReplayed(id: string): Promise<string> {
    if (!id.startsWith(DEAD_LETTER_PREFIX)) throw new Error(`${id} is not a pending dead letter`);
    const target = `${REPLAYED_PREFIX}${id}`;
    await this.s3.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: target,
        CopySource: `${this.bucket}/${id.split('/').map(encodeURIComponent).join('/')}`,
        MetadataDirective: 'REPLACE',
        Metadata: { 'replayed-at': new Date().toISOString() },
        ContentType: 'application/json',
      }),
    );
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: id }));
    return target;
  }
}
