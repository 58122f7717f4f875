import { createHash, randomUUID } from 'node:crypto';
import { DEAD_LETTER_PREFIX, deadLetterKey, parseFailureDocument, type FailureDocument } from '../core/deadLetters/document.js';
import { FileDeadLetterSource } from '../core/deadLetters/fileSource.js';
import type { DeadLetterSource } from '../core/deadLetters/replay.js';
import { localLog } from './log.js';

/** @deprecated the name of the document before it carried its records; see {@link FailureDocument}. */
export type OnFailureRecord = FailureDocument;

/**
 * The id the local runtime gives a function's event source mapping, in place of the UUID Lambda assigns: stable
 * across restarts, so a function's dead letters share a folder, as they share a key prefix in S3.
 */
export function localMappingId(functionName: string): string {
  const h = createHash('sha1').update(`opsgraph-local-mapping:${functionName}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * The local on-failure destination, playing Lambda's S3 destination: one file per failed batch holding the very
 * document Lambda writes to S3 (metadata and, in `payload`, the invocation with the records' data), at the same
 * key under `<data dir>/dead-letters/` as Lambda uses in the bucket (`aws/lambda/<mapping id>/<shard>/YYYY/MM/DD/…`).
 * So `npm run dlq` reads both with one parser, and replays both the same way.
 *
 * A store made with a function name sees only that function's dead letters (its mapping id's prefix); without one
 * it sees the whole folder, as the dlq tool does.
 *
 * @example
 * const store = new DeadLetterStore('./.data/dead-letters', 'tagger');
 * await store.list() // this function's pending documents
 */
export class DeadLetterStore {
  private readonly files: FileDeadLetterSource;

  constructor(
    readonly root: string,
    readonly functionName?: string,
  ) {
    this.files = new FileDeadLetterSource(root, functionName ? `${DEAD_LETTER_PREFIX}${localMappingId(functionName)}/` : DEAD_LETTER_PREFIX);
  }

  /** Writes a failed batch, as Lambda's S3 destination does; returns its id (the object key). */
  async put(doc: FailureDocument, at = new Date(doc.timestamp)): Promise<string> {
    const mapping = this.functionName ?? 'unknown';
    const id = deadLetterKey(localMappingId(mapping), doc.KinesisBatchInfo.shardId, at, randomUUID());
    await this.files.writeText(id, JSON.stringify(doc));
    localLog.error('dead-lettered', {
      condition: doc.requestContext.condition,
      records: doc.KinesisBatchInfo.batchSize,
      shardId: doc.KinesisBatchInfo.shardId,
      error: doc.responseContext?.functionError ?? 'not invoked',
      id,
    });
    return id;
  }

  /** Ids of pending dead letters, oldest first (keys sort by time within a shard; ties broken by key). */
  ids(): Promise<string[]> {
    return this.files.list();
  }

  /** The pending documents (what the mapping wrote and nobody replayed yet). */
  async list(): Promise<FailureDocument[]> {
    const docs: FailureDocument[] = [];
    for (const id of await this.ids()) docs.push(parseFailureDocument(await this.readText(id), id));
    return docs;
  }

  readText(id: string): Promise<string> {
    return this.files.readText(id);
  }

  markReplayed(id: string): Promise<string> {
    return this.files.markReplayed(id);
  }

  /** As a {@link DeadLetterSource}: ids, not documents. */
  source(): DeadLetterSource {
    return this.files;
  }
}
