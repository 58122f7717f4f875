import { S3Client } from '@aws-sdk/client-s3';
import { fileURLToPath } from 'node:url';
import { FileDeadLetterSource } from './fileSource.js';
import type { DeadLetterSource } from './replay.js';
import { S3DeadLetterSource } from './s3Source.js';

/**
 * The dead letters named by `DEAD_LETTER_STORE`: `s3://<bucket>` on AWS (the stage's dead-letter bucket),
 * `file://<folder>` locally (the data dir's dead-letters folder).
 *
 * @example
 * const source = deadLetterSourceOf(requireEnv('DEAD_LETTER_STORE'));
 */
export function deadLetterSourceOf(url: string): DeadLetterSource {
  if (url.startsWith('s3://')) return new S3DeadLetterSource(new S3Client({}), url.slice('s3://'.length).replace(/\/$/, ''));
  if (url.startsWith('file://')) return new FileDeadLetterSource(fileURLToPath(url));
  throw new Error(`DEAD_LETTER_STORE must be s3://<bucket> or file://<folder>, not ${JSON.stringify(url)}`);
}
